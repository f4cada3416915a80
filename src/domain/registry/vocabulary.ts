/**
 * The registry's controlled vocabularies (DOMAIN §2.1), as data: canonical codes, the label the office's forms use,
 * and the other spellings seen in notices and spreadsheets. A chat layer turns each list into numbered options;
 * importers and free-text answers go through the resolve* functions.
 */

/** One choice: the canonical value stored or passed around, the label shown, and the spellings also accepted. */
export interface VocabularyOption<V extends string = string> {
  value: V;
  label: string;
  synonyms: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Platform type (新媒体类型)
// ---------------------------------------------------------------------------------------------------------------

export const PLATFORM_TYPES = [
  'wechat',
  'weibo',
  'app',
  'toutiao',
  'miniProgram',
  'douyin',
  'kuaishou',
  'qqPenguin',
  'other',
] as const;
export type PlatformType = (typeof PLATFORM_TYPES)[number];

export interface PlatformOption extends VocabularyOption<PlatformType> {
  /** the spelling of the provincial filing system (S0) and of accounts.csv, e.g. 微信, APP */
  systemLabel: string;
  /** known subtypes (平台/账号细分); other values are accepted and kept as written */
  subtypes: readonly string[];
}

export const PLATFORM_OPTIONS: readonly PlatformOption[] = [
  {
    value: 'wechat',
    label: '微信公众号',
    systemLabel: '微信',
    synonyms: ['微信', '公众号', '服务号', '订阅号', '政务微信', '微信服务号', '微信订阅号'],
    subtypes: ['订阅号', '服务号', '小程序'],
  },
  {
    value: 'weibo',
    label: '微博',
    systemLabel: '微博',
    synonyms: ['新浪微博', '腾讯微博', '搜狐微博', '政务微博'],
    subtypes: ['新浪微博', '腾讯微博', '搜狐微博', '其他'],
  },
  {
    value: 'app',
    label: '移动客户端（APP）',
    systemLabel: 'APP',
    synonyms: ['APP', '客户端', '移动客户端', '移动APP', '手机APP', '政务APP'],
    subtypes: ['Android、iOS', 'Android', 'iOS', 'HarmonyOS'],
  },
  {
    value: 'toutiao',
    label: '今日头条号',
    systemLabel: '今日头条号',
    synonyms: ['头条', '头条号', '今日头条', '政务头条号'],
    subtypes: [],
  },
  {
    value: 'miniProgram',
    label: '小程序',
    systemLabel: '小程序',
    synonyms: ['微信小程序', '支付宝小程序', '百度小程序'],
    subtypes: ['微信小程序', '支付宝小程序', '百度小程序'],
  },
  {
    value: 'douyin',
    label: '抖音',
    systemLabel: '抖音',
    synonyms: ['抖音号', '政务抖音'],
    subtypes: [],
  },
  {
    value: 'kuaishou',
    label: '快手',
    systemLabel: '快手',
    synonyms: ['快手号', '政务快手'],
    subtypes: [],
  },
  {
    value: 'qqPenguin',
    label: '企鹅号',
    systemLabel: '企鹅号',
    synonyms: ['腾讯企鹅号'],
    subtypes: [],
  },
  {
    value: 'other',
    label: '其他',
    systemLabel: '其他',
    synonyms: ['其它', '视频号', '微信视频号', '百家号', '小红书', '大鱼号', '百度贴吧', '哔哩哔哩', 'B站'],
    subtypes: ['视频号', '百家号', '小红书', '大鱼号', '百度贴吧', '哔哩哔哩'],
  },
];

/** Subtypes per platform type (DOMAIN §2.1), for pick lists. */
export const PLATFORM_SUBTYPES: Readonly<Record<PlatformType, readonly string[]>> = Object.fromEntries(
  PLATFORM_OPTIONS.map((o) => [o.value, o.subtypes]),
) as Record<PlatformType, readonly string[]>;

/**
 * Spellings that name a subtype as well as the type. The value is the subtype as the registry stores it
 * (服务号, 新浪微博, 视频号 …); words that name only the type (公众号, 政务微博) are not listed.
 */
const PLATFORM_SUBTYPE_SPELLINGS: ReadonlyArray<readonly [string, PlatformType, string]> = [
  ['服务号', 'wechat', '服务号'],
  ['微信服务号', 'wechat', '服务号'],
  ['订阅号', 'wechat', '订阅号'],
  ['微信订阅号', 'wechat', '订阅号'],
  ['新浪微博', 'weibo', '新浪微博'],
  ['腾讯微博', 'weibo', '腾讯微博'],
  ['搜狐微博', 'weibo', '搜狐微博'],
  ['微信小程序', 'miniProgram', '微信小程序'],
  ['支付宝小程序', 'miniProgram', '支付宝小程序'],
  ['百度小程序', 'miniProgram', '百度小程序'],
  ['视频号', 'other', '视频号'],
  ['微信视频号', 'other', '视频号'],
  ['百家号', 'other', '百家号'],
  ['小红书', 'other', '小红书'],
  ['大鱼号', 'other', '大鱼号'],
  ['百度贴吧', 'other', '百度贴吧'],
  ['哔哩哔哩', 'other', '哔哩哔哩'],
  ['B站', 'other', '哔哩哔哩'],
];

export function platformOption(type: PlatformType): PlatformOption {
  return PLATFORM_OPTIONS.find((o) => o.value === type)!;
}

export function isPlatformType(value: unknown): value is PlatformType {
  return typeof value === 'string' && (PLATFORM_TYPES as readonly string[]).includes(value);
}

const PLATFORM_LOOKUP: ReadonlyMap<string, { type: PlatformType; subtype: string | null }> = (() => {
  const map = new Map<string, { type: PlatformType; subtype: string | null }>();
  for (const o of PLATFORM_OPTIONS) {
    for (const spelling of [o.value, o.label, o.systemLabel, ...o.synonyms]) {
      map.set(normalizeTerm(spelling), { type: o.value, subtype: null });
    }
  }
  for (const [spelling, type, subtype] of PLATFORM_SUBTYPE_SPELLINGS) map.set(normalizeTerm(spelling), { type, subtype });
  return map;
})();

/**
 * The platform a label names, in any of its spellings (服务号 → wechat/服务号, 视频号 → other/视频号,
 * 新浪微博 → weibo/新浪微博, 公众号 → wechat/null). Null when the text names no known platform.
 */
export function resolvePlatform(raw: string): { type: PlatformType; subtype: string | null } | null {
  const found = PLATFORM_LOOKUP.get(normalizeTerm(raw));
  return found ? { ...found } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Run status, filing type, review status
// ---------------------------------------------------------------------------------------------------------------

export type RunStatus = 'active' | 'suspended' | 'cancelled';
export const RUN_STATUS_OPTIONS: readonly VocabularyOption<RunStatus>[] = [
  { value: 'active', label: '正常运行', synonyms: ['正常运营', '正常', '运行中', '运营中'] },
  { value: 'suspended', label: '已关停', synonyms: ['关停', '停止运营', '停止运行', '停运', '已停运', '停更'] },
  { value: 'cancelled', label: '已注销', synonyms: ['注销'] },
];

export type FilingType = 'open' | 'change' | 'suspend' | 'cancel';
export const FILING_TYPE_OPTIONS: readonly VocabularyOption<FilingType>[] = [
  { value: 'open', label: '开设', synonyms: ['开设备案', '新开设', '开通', '新增', '新开'] },
  { value: 'change', label: '变更', synonyms: ['变更备案', '修改', '更改'] },
  { value: 'suspend', label: '关停', synonyms: ['关停备案', '停用', '停止运营'] },
  { value: 'cancel', label: '注销', synonyms: ['注销备案', '撤销'] },
];

export type FilingReviewStatus = 'pending' | 'approved' | 'rejected';
export const FILING_REVIEW_STATUS_OPTIONS: readonly VocabularyOption<FilingReviewStatus>[] = [
  { value: 'pending', label: '未审核', synonyms: ['待审核', '审核中', '已提交'] },
  { value: 'approved', label: '已通过', synonyms: ['通过', '审核通过', '已备案'] },
  { value: 'rejected', label: '驳回', synonyms: ['已驳回', '未通过', '退回', '审核不通过'] },
];

// ---------------------------------------------------------------------------------------------------------------
// Small enumerations stored by their Chinese label (the label is the canonical form)
// ---------------------------------------------------------------------------------------------------------------

export type Verification = '已认证' | '未认证';
export const VERIFICATION_OPTIONS: readonly VocabularyOption<Verification>[] = [
  { value: '已认证', label: '已认证', synonyms: ['是', '认证', '已官方认证', 'verified'] },
  { value: '未认证', label: '未认证', synonyms: ['否', '没有认证', '未官方认证', 'unverified'] },
];

export type OperationMode = '自营' | '购买服务';
export const OPERATION_MODE_OPTIONS: readonly VocabularyOption<OperationMode>[] = [
  { value: '自营', label: '自营', synonyms: ['自主运营', '自行运维', '自主运维', '本单位运维'] },
  { value: '购买服务', label: '购买服务', synonyms: ['外包', '委托运营', '第三方运维', '委托第三方'] },
];

export type BasicFunction = '发布' | '传播' | '互动' | '引导' | '办事';
export const BASIC_FUNCTION_OPTIONS: readonly VocabularyOption<BasicFunction>[] = [
  { value: '发布', label: '发布', synonyms: ['信息发布'] },
  { value: '传播', label: '传播', synonyms: ['政策传播'] },
  { value: '互动', label: '互动', synonyms: ['互动交流', '政民互动'] },
  { value: '引导', label: '引导', synonyms: ['舆论引导'] },
  { value: '办事', label: '办事', synonyms: ['在线办事', '政务服务'] },
];

export type YesNo = '是' | '否';
export const YES_NO_OPTIONS: readonly VocabularyOption<YesNo>[] = [
  { value: '是', label: '是', synonyms: ['已纳入', 'Y', 'yes', 'true', '1', '√'] },
  { value: '否', label: '否', synonyms: ['未纳入', 'N', 'no', 'false', '0', '×'] },
];

/** The option a text names (code, label or synonym; full-width, spaces and case ignored), or null. */
export function resolveOption<V extends string>(options: readonly VocabularyOption<V>[], raw: string): V | null {
  const term = normalizeTerm(raw);
  if (term === '') return null;
  for (const o of options) {
    if ([o.value, o.label, ...o.synonyms].some((s) => normalizeTerm(s) === term)) return o.value;
  }
  return null;
}

export function optionLabel<V extends string>(options: readonly VocabularyOption<V>[], value: V): string {
  return options.find((o) => o.value === value)?.label ?? value;
}

export const resolveRunStatus = (raw: string): RunStatus | null => resolveOption(RUN_STATUS_OPTIONS, raw);
export const resolveFilingType = (raw: string): FilingType | null => resolveOption(FILING_TYPE_OPTIONS, raw);
export const resolveReviewStatus = (raw: string): FilingReviewStatus | null =>
  resolveOption(FILING_REVIEW_STATUS_OPTIONS, raw);
export const resolveVerification = (raw: string): Verification | null => resolveOption(VERIFICATION_OPTIONS, raw);
export const resolveOperationMode = (raw: string): OperationMode | null => resolveOption(OPERATION_MODE_OPTIONS, raw);

/**
 * A set of basic functions written as a list (发布、传播 / 发布,互动 / 发布 办事), in the canonical order.
 * `unknown` lists the parts that name no function; an empty text gives an empty set.
 */
export function resolveBasicFunctions(raw: string): { functions: BasicFunction[]; unknown: string[] } {
  const parts = raw
    .split(/[、,，;；/／\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const found = new Set<BasicFunction>();
  const unknown: string[] = [];
  for (const part of parts) {
    const value = resolveOption(BASIC_FUNCTION_OPTIONS, part);
    if (value) found.add(value);
    else unknown.push(part);
  }
  return { functions: BASIC_FUNCTION_OPTIONS.map((o) => o.value).filter((v) => found.has(v)), unknown };
}

/** The stored form of a set of basic functions: labels joined with 、 in the canonical order. */
export function joinBasicFunctions(functions: readonly BasicFunction[]): string {
  return BASIC_FUNCTION_OPTIONS.map((o) => o.value)
    .filter((v) => functions.includes(v))
    .join('、');
}

// ---------------------------------------------------------------------------------------------------------------
// Fields a change filing (变更) may change
// ---------------------------------------------------------------------------------------------------------------

export type ChangeableField =
  | 'name'
  | 'platformAccountId'
  | 'url'
  | 'functionDescription'
  | 'basicFunctions'
  | 'verification'
  | 'operationMode'
  | 'operatorName'
  | 'managerName'
  | 'managerMobile'
  | 'principalName'
  | 'leaderName';

export type ChangeableFieldKind = 'text' | 'choice' | 'phone' | 'date';

export interface ChangeableFieldSpec {
  field: ChangeableField;
  label: string;
  kind: ChangeableFieldKind;
  /** choice fields: the allowed values (basicFunctions: any non-empty subset, joined with 、) */
  options?: readonly VocabularyOption[];
  /** choice fields: several options may be chosen */
  multiple?: boolean;
  /** the longest value stored */
  maxLength: number;
}

export const CHANGEABLE_FIELDS: readonly ChangeableFieldSpec[] = [
  { field: 'name', label: '账号名称', kind: 'text', maxLength: 191 },
  { field: 'platformAccountId', label: '账号ID', kind: 'text', maxLength: 191 },
  { field: 'url', label: '访问地址', kind: 'text', maxLength: 1000 },
  { field: 'functionDescription', label: '功能定位', kind: 'text', maxLength: 1000 },
  {
    field: 'basicFunctions',
    label: '基本功能',
    kind: 'choice',
    options: BASIC_FUNCTION_OPTIONS,
    multiple: true,
    maxLength: 64,
  },
  { field: 'verification', label: '官方认证', kind: 'choice', options: VERIFICATION_OPTIONS, maxLength: 16 },
  { field: 'operationMode', label: '运维模式', kind: 'choice', options: OPERATION_MODE_OPTIONS, maxLength: 16 },
  { field: 'operatorName', label: '运维机构', kind: 'text', maxLength: 191 },
  { field: 'managerName', label: '具体负责人', kind: 'text', maxLength: 64 },
  { field: 'managerMobile', label: '具体负责人手机号', kind: 'phone', maxLength: 32 },
  { field: 'principalName', label: '主要负责人', kind: 'text', maxLength: 64 },
  { field: 'leaderName', label: '分管负责人', kind: 'text', maxLength: 64 },
];

export function changeableField(field: string): ChangeableFieldSpec | undefined {
  return CHANGEABLE_FIELDS.find((f) => f.field === field);
}

// ---------------------------------------------------------------------------------------------------------------
// Text normalisation shared by the resolvers
// ---------------------------------------------------------------------------------------------------------------

/** NFKC (full-width to half-width, （） to ()), no spaces or zero-width characters, lower case. */
export function normalizeTerm(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/\s+/g, '')
    .toLowerCase();
}

/** An 11-digit mainland mobile number from common spellings (spaces, dashes, +86, full-width digits), or null. */
export function normalizeMobile(raw: string): string | null {
  let digits = raw.normalize('NFKC').replace(/[\s\-—–()（）]/g, '');
  if (/^\+?86\d{11}$/.test(digits)) digits = digits.replace(/^\+?86/, '');
  return /^1\d{10}$/.test(digits) ? digits : null;
}
