import {
  BASIC_FUNCTION_OPTIONS,
  CHANGEABLE_FIELDS,
  FILING_REVIEW_STATUS_OPTIONS,
  FILING_TYPE_OPTIONS,
  OPERATION_MODE_OPTIONS,
  PLATFORM_OPTIONS,
  PLATFORM_SUBTYPES,
  PLATFORM_TYPES,
  RUN_STATUS_OPTIONS,
  VERIFICATION_OPTIONS,
  YES_NO_OPTIONS,
  joinBasicFunctions,
  normalizeMobile,
  normalizeTerm,
  resolveBasicFunctions,
  resolveFilingType,
  resolveOperationMode,
  resolvePlatform,
  resolveReviewStatus,
  resolveRunStatus,
  resolveVerification,
  type VocabularyOption,
} from '../../../src/domain/registry/vocabulary';

describe('platform vocabulary', () => {
  it('lists the nine canonical codes with the labels of the office forms', () => {
    expect(PLATFORM_OPTIONS.map((o) => o.value)).toEqual([...PLATFORM_TYPES]);
    expect(PLATFORM_OPTIONS.map((o) => o.label)).toEqual([
      '微信公众号',
      '微博',
      '移动客户端（APP）',
      '今日头条号',
      '小程序',
      '抖音',
      '快手',
      '企鹅号',
      '其他',
    ]);
  });

  it.each([
    ['服务号', 'wechat', '服务号'],
    ['订阅号', 'wechat', '订阅号'],
    ['微信服务号', 'wechat', '服务号'],
    ['公众号', 'wechat', null],
    ['微信公众号', 'wechat', null],
    ['微信', 'wechat', null],
    ['政务微信', 'wechat', null],
    ['新浪微博', 'weibo', '新浪微博'],
    ['腾讯微博', 'weibo', '腾讯微博'],
    ['政务微博', 'weibo', null],
    ['微博', 'weibo', null],
    ['头条', 'toutiao', null],
    ['今日头条', 'toutiao', null],
    ['今日头条号', 'toutiao', null],
    ['APP', 'app', null],
    ['app', 'app', null],
    ['客户端', 'app', null],
    ['移动客户端（APP）', 'app', null],
    ['移动客户端(app)', 'app', null],
    ['微信小程序', 'miniProgram', '微信小程序'],
    ['小程序', 'miniProgram', null],
    ['抖音', 'douyin', null],
    ['快手', 'kuaishou', null],
    ['企鹅号', 'qqPenguin', null],
    ['视频号', 'other', '视频号'],
    ['微信视频号', 'other', '视频号'],
    ['百家号', 'other', '百家号'],
    ['小红书', 'other', '小红书'],
    ['大鱼号', 'other', '大鱼号'],
    ['其他', 'other', null],
    [' 抖 音 ', 'douyin', null],
    ['ＡＰＰ', 'app', null],
  ])('resolvePlatform(%s) → %s / %s', (raw, type, subtype) => {
    expect(resolvePlatform(raw)).toEqual({ type, subtype });
  });

  it('answers null for what names no platform', () => {
    for (const raw of ['微信号码', '', '  ', 'weixin2', '网站']) expect(resolvePlatform(raw)).toBeNull();
  });

  it('never lets one spelling name two platforms', () => {
    const seen = new Map<string, string>();
    for (const o of PLATFORM_OPTIONS) {
      for (const s of [o.value, o.label, o.systemLabel, ...o.synonyms]) {
        const key = normalizeTerm(s);
        expect([key, seen.get(key) ?? o.value]).toEqual([key, o.value]);
        seen.set(key, o.value);
      }
    }
  });

  it('resolves every subtype it lists to its own type', () => {
    for (const type of PLATFORM_TYPES) {
      for (const subtype of PLATFORM_SUBTYPES[type]) {
        const resolved = resolvePlatform(subtype);
        if (resolved && resolved.subtype) expect(resolved.type === type || (type === 'wechat' && subtype === '小程序')).toBe(true);
      }
    }
    expect(PLATFORM_SUBTYPES.weibo).toEqual(['新浪微博', '腾讯微博', '搜狐微博', '其他']);
    expect(PLATFORM_SUBTYPES.wechat).toEqual(expect.arrayContaining(['订阅号', '服务号']));
  });
});

describe('small enumerations', () => {
  const cases: Array<[string, (raw: string) => string | null, Array<[string, string | null]>]> = [
    ['run status', resolveRunStatus, [['正常运行', 'active'], ['正常运营', 'active'], ['已关停', 'suspended'], ['停止运营', 'suspended'], ['已注销', 'cancelled'], ['注销', 'cancelled'], ['暂停', null]]],
    ['filing type', resolveFilingType, [['开设', 'open'], ['变更', 'change'], ['关停', 'suspend'], ['注销', 'cancel'], ['open', 'open'], ['新建', null]]],
    ['review status', resolveReviewStatus, [['未审核', 'pending'], ['已通过', 'approved'], ['驳回', 'rejected'], ['已驳回', 'rejected'], ['作废', null]]],
    ['verification', resolveVerification, [['已认证', '已认证'], ['是', '已认证'], ['未认证', '未认证'], ['否', '未认证'], ['认证中', null]]],
    ['operation mode', resolveOperationMode, [['自营', '自营'], ['购买服务', '购买服务'], ['外包', '购买服务'], ['合营', null]]],
  ];
  it.each(cases)('%s', (_name, resolve, expectations) => {
    for (const [raw, expected] of expectations) expect([raw, resolve(raw)]).toEqual([raw, expected]);
  });

  it('gives the labels of the source notices', () => {
    const labels = (options: readonly VocabularyOption[]) => options.map((o) => o.label);
    expect(labels(RUN_STATUS_OPTIONS)).toEqual(['正常运行', '已关停', '已注销']);
    expect(labels(FILING_TYPE_OPTIONS)).toEqual(['开设', '变更', '关停', '注销']);
    expect(labels(FILING_REVIEW_STATUS_OPTIONS)).toEqual(['未审核', '已通过', '驳回']);
    expect(labels(VERIFICATION_OPTIONS)).toEqual(['已认证', '未认证']);
    expect(labels(OPERATION_MODE_OPTIONS)).toEqual(['自营', '购买服务']);
    expect(labels(BASIC_FUNCTION_OPTIONS)).toEqual(['发布', '传播', '互动', '引导', '办事']);
    expect(labels(YES_NO_OPTIONS)).toEqual(['是', '否']);
  });

  it('reads basic functions as a set in the canonical order', () => {
    expect(resolveBasicFunctions('办事、发布，互动')).toEqual({ functions: ['发布', '互动', '办事'], unknown: [] });
    expect(resolveBasicFunctions('发布 传播 点赞')).toEqual({ functions: ['发布', '传播'], unknown: ['点赞'] });
    expect(resolveBasicFunctions('')).toEqual({ functions: [], unknown: [] });
    expect(joinBasicFunctions(['办事', '发布', '传播'])).toBe('发布、传播、办事');
  });

  it('normalises mobiles', () => {
    expect(normalizeMobile('137 0000 5332')).toBe('13700005332');
    expect(normalizeMobile('+86-137-0000-5332')).toBe('13700005332');
    expect(normalizeMobile('１３７００００５３３２')).toBe('13700005332');
    expect(normalizeMobile('0123-6800001')).toBeNull();
  });
});

describe('CHANGEABLE_FIELDS', () => {
  it('lists the fields a change filing may change, with labels and kinds', () => {
    expect(CHANGEABLE_FIELDS.map((f) => [f.field, f.label, f.kind])).toEqual([
      ['name', '账号名称', 'text'],
      ['platformAccountId', '账号ID', 'text'],
      ['url', '访问地址', 'text'],
      ['functionDescription', '功能定位', 'text'],
      ['basicFunctions', '基本功能', 'choice'],
      ['verification', '官方认证', 'choice'],
      ['operationMode', '运维模式', 'choice'],
      ['operatorName', '运维机构', 'text'],
      ['managerName', '具体负责人', 'text'],
      ['managerMobile', '具体负责人手机号', 'phone'],
      ['principalName', '主要负责人', 'text'],
      ['leaderName', '分管负责人', 'text'],
    ]);
    for (const f of CHANGEABLE_FIELDS) {
      if (f.kind === 'choice') expect(f.options?.length).toBeGreaterThan(1);
      for (const o of f.options ?? []) expect(o).toEqual({ value: expect.any(String), label: expect.any(String), synonyms: expect.any(Array) });
    }
  });
});
