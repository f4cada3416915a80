import { formatOptions, matchChoice, matchMultiChoice, type ChoiceOption } from '../../../src/chat/input/match-choice';

const PLATFORMS: ChoiceOption[] = [
  { value: 'wechat', label: '微信公众号', synonyms: ['公众号', '微信服务号', '微信订阅号'] },
  { value: 'weibo', label: '微博', synonyms: ['新浪微博'] },
  { value: 'douyin', label: '抖音' },
  { value: 'kuaishou', label: '快手' },
  { value: 'app', label: 'APP', synonyms: ['移动客户端', '客户端'] },
  { value: 'channels', label: '微信视频号', synonyms: ['视频号'] },
  { value: 'other', label: '其他' },
];

describe('matchChoice', () => {
  it.each([
    ['1', 'wechat'],
    ['１', 'wechat'],
    ['2.', 'weibo'],
    ['2、', 'weibo'],
    ['第2个', 'weibo'],
    ['第二个', 'weibo'],
    ['第3项', 'douyin'],
    ['选3', 'douyin'],
    ['②', 'weibo'],
    ['⑦', 'other'],
    ['微信公众号', 'wechat'],
    [' 微信 公众号 ', 'wechat'],
    ['公众号', 'wechat'],
    ['微信服务号', 'wechat'],
    ['新浪微博', 'weibo'],
    ['app', 'app'],
    ['ａｐｐ', 'app'],
    ['App。', 'app'],
    ['移动客户端', 'app'],
    ['wechat', 'wechat'],
    ['抖音号', 'douyin'],
    ['政务抖音', 'douyin'],
    ['快手号', 'kuaishou'],
    ['视频', 'channels'],
    ['微信公众号东岚发布', 'wechat'],
    ['微信视频号', 'channels'],
  ])('matches %j → %s', (text, value) => {
    const r = matchChoice(text, PLATFORMS);
    expect(r).toEqual({ ok: true, value, display: PLATFORMS.find((o) => o.value === value)?.label });
  });

  it.each([
    ['微信', '“微信”可能是：微信公众号、微信视频号，请回复序号或完整名称', '微信公众号'],
    ['8', '没有第8项，请回复1到7之间的序号', '1'],
    ['0', '没有第0项，请回复1到7之间的序号', '1'],
    ['第十个', '没有第10项，请回复1到7之间的序号', '1'],
    ['小红书', '“小红书”不在选项中，请回复序号或选项名称', '微信公众号'],
    ['微', '“微”不在选项中，请回复序号或选项名称', '微信公众号'],
    ['', '请回复选项的序号或名称', '微信公众号'],
  ])('refuses %j', (text, problem, example) => {
    expect(matchChoice(text, PLATFORMS)).toEqual({ ok: false, problem, example });
  });

  it('prefers an exact label over an option number when the label is a number', () => {
    const years: ChoiceOption[] = [
      { value: 'y2025', label: '2025' },
      { value: 'y2026', label: '2026' },
    ];
    expect(matchChoice('2026', years)).toMatchObject({ ok: true, value: 'y2026' });
    expect(matchChoice('1', years)).toMatchObject({ ok: true, value: 'y2025' });
  });

  it('takes the longest contained label when the answer contains several', () => {
    const options: ChoiceOption[] = [
      { value: 'douyin', label: '抖音' },
      { value: 'huoshan', label: '抖音火山版' },
    ];
    expect(matchChoice('抖音火山版账号', options)).toMatchObject({ ok: true, value: 'huoshan' });
    expect(matchChoice('抖音号', options)).toMatchObject({ ok: true, value: 'douyin' });
  });
});

describe('matchMultiChoice', () => {
  it.each([
    ['1、3', ['wechat', 'douyin'], '微信公众号、抖音'],
    ['3,1', ['wechat', 'douyin'], '微信公众号、抖音'],
    ['1，3；4', ['wechat', 'douyin', 'kuaishou'], '微信公众号、抖音、快手'],
    ['1 3', ['wechat', 'douyin'], '微信公众号、抖音'],
    ['1/2', ['wechat', 'weibo'], '微信公众号、微博'],
    ['134', ['wechat', 'douyin', 'kuaishou'], '微信公众号、抖音、快手'],
    ['微信公众号和抖音', ['wechat', 'douyin'], '微信公众号、抖音'],
    ['抖音及快手', ['douyin', 'kuaishou'], '抖音、快手'],
    ['抖音、快手、抖音', ['douyin', 'kuaishou'], '抖音、快手'],
    ['公众号 视频号', ['wechat', 'channels'], '微信公众号、微信视频号'],
    ['第1个和第3个', ['wechat', 'douyin'], '微信公众号、抖音'],
    ['微博', ['weibo'], '微博'],
    ['全部', ['wechat', 'weibo', 'douyin', 'kuaishou', 'app', 'channels', 'other'], '微信公众号、微博、抖音、快手、APP、微信视频号、其他'],
    ['都有', ['wechat', 'weibo', 'douyin', 'kuaishou', 'app', 'channels', 'other'], '微信公众号、微博、抖音、快手、APP、微信视频号、其他'],
  ])('matches %j', (text, values, display) => {
    expect(matchMultiChoice(text, PLATFORMS)).toEqual({ ok: true, value: values, display });
  });

  it('keeps a label that contains a separator whole', () => {
    const options: ChoiceOption[] = [
      { value: 'publish', label: '发布与传播' },
      { value: 'service', label: '办事' },
    ];
    expect(matchMultiChoice('发布与传播', options)).toEqual({ ok: true, value: ['publish'], display: '发布与传播' });
  });

  it.each([
    ['1、9', {}, '没有第9项，请回复1到7之间的序号'],
    ['微信、抖音', {}, '“微信”可能是：微信公众号、微信视频号，请回复序号或完整名称'],
    ['抖音、小红书', {}, '“小红书”不在选项中，请回复序号或选项名称'],
    ['', {}, '请回复选项的序号或名称，多个用“、”隔开'],
    ['1', { min: 2 }, '请至少选择2项'],
    ['1、2、3', { max: 2 }, '最多只能选择2项，现在选了3项'],
    ['全部', { max: 3 }, '最多只能选择3项，现在选了7项'],
    ['无', {}, '请至少选择一项'],
  ])('refuses %j with %j', (text, opts, problem) => {
    expect(matchMultiChoice(text, PLATFORMS, opts)).toEqual({ ok: false, problem, example: expect.any(String) });
  });

  it('gives an example with as many options as required', () => {
    expect(matchMultiChoice('1', PLATFORMS, { min: 2 })).toMatchObject({ example: '微信公众号、微博' });
    expect(matchMultiChoice('x', PLATFORMS, { max: 1 })).toMatchObject({ example: '微信公众号' });
    expect(matchMultiChoice('1、2、3、4', PLATFORMS, { min: 3, max: 3 })).toMatchObject({ example: '微信公众号、微博、抖音' });
  });

  it('accepts "无" as the empty selection when min is 0', () => {
    expect(matchMultiChoice('无', PLATFORMS, { min: 0 })).toEqual({ ok: true, value: [], display: '无' });
    expect(matchMultiChoice('没有', PLATFORMS, { min: 0 })).toEqual({ ok: true, value: [], display: '无' });
  });
});

describe('formatOptions', () => {
  it('numbers the labels one per line', () => {
    expect(formatOptions(PLATFORMS.slice(0, 3))).toBe('1. 微信公众号\n2. 微博\n3. 抖音');
  });
});
