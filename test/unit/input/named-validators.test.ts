import { isKnownValidator, namedValidators } from '../../../src/chat/input/named-validators';

function run(name: string, text: string) {
  return namedValidators[name](text);
}

describe('namedValidators', () => {
  it('knows its names', () => {
    for (const name of ['url', 'account-id-or-url', 'wechat-id', 'wechat-original-id', 'person-name', 'credit-code']) {
      expect(isKnownValidator(name)).toBe(true);
    }
    expect(isKnownValidator('phone')).toBe(false);
    expect(isKnownValidator('toString')).toBe(false);
    expect(isKnownValidator('__proto__')).toBe(false);
  });

  describe('url', () => {
    it.each([
      ['https://www.donglan.gov.cn', 'https://www.donglan.gov.cn'],
      ['http://www.donglan.gov.cn/xxgk/index.html', 'http://www.donglan.gov.cn/xxgk/index.html'],
      ['www.donglan.gov.cn', 'https://www.donglan.gov.cn'],
      ['ｗｗｗ．ｄｏｎｇｌａｎ．ｇｏｖ．ｃｎ', 'https://www.donglan.gov.cn'],
      ['donglan.gov.cn/xxgk', 'https://donglan.gov.cn/xxgk'],
      ['  https://weibo.com/u/1234567890  ', 'https://weibo.com/u/1234567890'],
      ['https://mp.weixin.qq.com/s?__biz=MzA5&mid=1', 'https://mp.weixin.qq.com/s?__biz=MzA5&mid=1'],
      ['“https://www.douyin.com/user/abc”', 'https://www.douyin.com/user/abc'],
      ['http://10.1.2.3:8080/app', 'http://10.1.2.3:8080/app'],
    ])('accepts %j as %s', (text, value) => {
      expect(run('url', text)).toEqual({ ok: true, value, display: value });
    });

    it.each([
      ['ftp://files.donglan.gov.cn', '“ftp://files.donglan.gov.cn”不是有效的网址，请以 http:// 或 https:// 开头'],
      ['东岚发布', '“东岚发布”不是有效的网址，请以 http:// 或 https:// 开头'],
      ['https://www.donglan gov.cn', '“https://www.donglan gov.cn”不是有效的网址，请以 http:// 或 https:// 开头'],
      ['https://localhost/x', '“https://localhost/x”不是有效的网址，请以 http:// 或 https:// 开头'],
      ['', '请填写网址'],
    ])('refuses %j', (text, problem) => {
      expect(run('url', text)).toEqual({ ok: false, problem, example: 'https://www.example.gov.cn' });
    });
  });

  describe('account-id-or-url', () => {
    it.each([
      ['gh_5f9b8e9b2227', 'gh_5f9b8e9b2227'],
      ['GH_5F9B8E9B2227', 'gh_5f9b8e9b2227'],
      ['1234567890', '1234567890'],
      ['donglan_fabu', 'donglan_fabu'],
      ['dl-rongmei.2024', 'dl-rongmei.2024'],
      ['https://weibo.com/u/1234567890', 'https://weibo.com/u/1234567890'],
      ['www.toutiao.com/c/user/123', 'https://www.toutiao.com/c/user/123'],
      ['@东岚发布', '@东岚发布'],
      ['微信搜索公众号：东岚发布', '微信搜索公众号:东岚发布'],
      ['微信搜索公众号 东岚发布', '微信搜索公众号 东岚发布'],
      ['抖音搜索“东岚融媒”', '抖音搜索“东岚融媒”'],
    ])('accepts %j as %s', (text, value) => {
      expect(run('account-id-or-url', text)).toEqual({ ok: true, value, display: value });
    });

    it.each([
      ['东岚发布', '“东岚发布”是账号名称，请提供账号ID或主页链接，或写明如何搜索到该账号', '微信搜索公众号：东岚发布'],
      ['a', '“a”不是有效的账号ID或链接', 'gh_5f9b8e9b2227'],
      ['东岚 发布!!', '“东岚 发布”是账号名称，请提供账号ID或主页链接，或写明如何搜索到该账号', '微信搜索公众号：东岚发布'],
      ['http://', '“http://”不是有效的链接', 'https://weibo.com/u/1234567890'],
      ['', '请填写账号ID或主页链接', 'gh_5f9b8e9b2227'],
    ])('refuses %j', (text, problem, example) => {
      expect(run('account-id-or-url', text)).toEqual({ ok: false, problem, example });
    });
  });

  describe('wechat-id', () => {
    it.each(['donglan_fabu', 'DL-fabu', 'a12345', 'abcdefghij0123456789', ' dlfabu2024 '])('accepts %j', (text) => {
      expect(run('wechat-id', text)).toEqual({ ok: true, value: text.trim(), display: text.trim() });
    });

    it.each([
      ['abc12', '“abc12”不是有效的微信号：应为6到20位'],
      ['abcdefghij01234567890', '“abcdefghij01234567890”不是有效的微信号：应为6到20位'],
      ['1donglan', '“1donglan”不是有效的微信号：应以字母开头'],
      ['dong.lan', '“dong.lan”不是有效的微信号：只能包含字母、数字、下划线和减号'],
      ['东岚发布东岚发布', '“东岚发布东岚发布”不是有效的微信号：应以字母开头'],
      ['', '请填写微信号'],
    ])('refuses %j', (text, problem) => {
      expect(run('wechat-id', text)).toEqual({ ok: false, problem, example: 'donglan_fabu' });
    });
  });

  describe('wechat-original-id', () => {
    it.each([
      ['gh_5f9b8e9b2227', 'gh_5f9b8e9b2227'],
      ['GH_5F9B8E9B2227', 'gh_5f9b8e9b2227'],
      ['ｇｈ＿５ｆ９ｂ８ｅ９ｂ２２２７', 'gh_5f9b8e9b2227'],
    ])('accepts %j', (text, value) => {
      expect(run('wechat-original-id', text)).toEqual({ ok: true, value, display: value });
    });

    it.each([
      ['gh_5f9b8e9b222', '“gh_5f9b8e9b222”不是有效的原始ID：应为“gh_”加12位字母或数字'],
      ['gh_5f9b8e9b222z', '“gh_5f9b8e9b222z”不是有效的原始ID：应为“gh_”加12位字母或数字'],
      ['5f9b8e9b2227', '“5f9b8e9b2227”不是有效的原始ID：应为“gh_”加12位字母或数字'],
      ['', '请填写公众号原始ID'],
    ])('refuses %j', (text, problem) => {
      expect(run('wechat-original-id', text)).toEqual({ ok: false, problem, example: 'gh_5f9b8e9b2227' });
    });
  });

  describe('person-name', () => {
    it.each([
      ['张三', '张三'],
      ['宋知微', '宋知微'],
      [' 张 三 ', '张三'],
      ['阿卜杜·热合曼', '阿卜杜·热合曼'],
      ['阿卜杜•热合曼', '阿卜杜·热合曼'],
      ['阿卜杜・热合曼', '阿卜杜·热合曼'],
      ['John Smith', 'John Smith'],
      ['J. Smith', 'J. Smith'],
      ["Mary O'Neil", "Mary O'Neil"],
    ])('accepts %j as %s', (text, value) => {
      expect(run('person-name', text)).toEqual({ ok: true, value, display: value });
    });

    it.each([
      ['张', '“张”太短，请填写完整姓名'],
      ['张三13700005332', '“张三13700005332”不像是姓名，请只填写姓名'],
      ['张三，李四', '“张三,李四”不像是姓名，请只填写姓名'],
      ['一二三四五六七八九十一二三四五六七八九十一', '姓名不能超过20个字'],
      ['', '请填写姓名'],
    ])('refuses %j', (text, problem) => {
      expect(run('person-name', text)).toEqual({ ok: false, problem, example: '张三' });
    });
  });

  describe('credit-code', () => {
    it.each([
      ['11370000MB00000002', '11370000MB00000002'],
      ['11370000mb00000002', '11370000MB00000002'],
      ['1137 0000 MB00 0000 02', '11370000MB00000002'],
      ['９１３７００００１２３４５６７８９０', '913700001234567890'],
    ])('accepts %j as %s', (text, value) => {
      expect(run('credit-code', text)).toEqual({ ok: true, value, display: value });
    });

    it.each([
      ['11370000MB0000000', '统一社会信用代码应为18位，现在是17位'],
      ['11370000MB0000000IO', '统一社会信用代码应为18位，现在是19位'],
      ['11370000MI0000000O', '统一社会信用代码中不应有“IO”，请核对'],
      ['11370000MB0000000S', '统一社会信用代码中不应有“S”，请核对'],
      ['', '请填写统一社会信用代码'],
    ])('refuses %j', (text, problem) => {
      expect(run('credit-code', text)).toEqual({ ok: false, problem, example: '11370000MB00000002' });
    });
  });
});
