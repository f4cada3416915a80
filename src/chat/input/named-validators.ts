import { normalizeText } from '../text-normalize';
import { fail, ok, type Parsed } from './parsed';
import { parseTime } from './parse-time';

/**
 * Validators that a flow definition names by string (e.g. `validator: url`). Each reads the raw answer and
 * returns the normalised text to store.
 */

const URL_EXAMPLE = 'https://www.example.gov.cn';
const ACCOUNT_EXAMPLE = 'gh_5f9b8e9b2227';
/** A made-up code with a correct check character. */
const CREDIT_CODE_EXAMPLE = '11370000MB00000002';
/** A bare domain with a common top-level domain, optionally a port and a path: "www.dl.gov.cn/xxgk". */
const BARE_DOMAIN = /^(?:[a-z0-9-]+\.)+(?:cn|com|net|org|gov|edu|top|io|cc|tv|me|info|xyz)(?::\d+)?(?:[/?#]|$)/i;

function clean(text: string): string {
  return normalizeText(text).replace(/[。!！;；,，]+$/, '');
}

function shown(text: string): string {
  return `“${text.length > 30 ? `${text.slice(0, 30)}…` : text}”`;
}

/** `https://…`, `http://…`, `www.…` and a bare domain (`example.gov.cn/path`) get `https://` in front. */
function readUrl(input: string): string | undefined {
  let candidate = input.replace(/^[<“"'《]+|[>”"'》]+$/g, '');
  if (/\s/.test(candidate) || candidate === '') return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) {
    if (!/^www\./i.test(candidate) && !BARE_DOMAIN.test(candidate)) return undefined;
    candidate = `https://${candidate}`;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$|^\d{1,3}(?:\.\d{1,3}){3}$/i.test(url.hostname)) return undefined;
  return candidate;
}

function url(text: string): Parsed<string> {
  const input = clean(text);
  if (input === '') return fail('请填写网址', URL_EXAMPLE);
  const value = readUrl(input);
  if (value) return ok(value, value);
  return fail(`${shown(input)}不是有效的网址，请以 http:// 或 https:// 开头`, URL_EXAMPLE);
}

/** "微信搜索公众号：东岚发布", "抖音搜索 东岚发布": how offices often say where to find an account. */
const SEARCH_INSTRUCTION = /搜索?[^:：]*[:：]?\s*\S{2,}/;

/**
 * A platform account id (`gh_…`, digits, a handle of letters, digits and `_ - .`, an `@handle`), a link, or a
 * search instruction kept as text. A bare Chinese account name fails with a hint to say how to find it.
 */
function accountIdOrUrl(text: string): Parsed<string> {
  const input = clean(text);
  if (input === '') return fail('请填写账号ID或主页链接', ACCOUNT_EXAMPLE);
  if (/^gh_[0-9a-f]{12}$/i.test(input)) return ok(input.toLowerCase(), input.toLowerCase());
  if (/^(?:https?:\/\/|www\.)/i.test(input) || BARE_DOMAIN.test(input)) {
    const link = readUrl(input);
    if (link) return ok(link, link);
    return fail(`${shown(input)}不是有效的链接`, 'https://weibo.com/u/1234567890');
  }
  if (/^\d{3,20}$/.test(input)) return ok(input, input);
  if (/^[a-z0-9][a-z0-9_.-]{1,63}$/i.test(input)) return ok(input, input);
  if (/^@[^\s@]{1,50}$/.test(input)) return ok(input, input);
  if (input.length <= 100 && SEARCH_INSTRUCTION.test(input)) return ok(input, input);
  if (/^[\p{Script=Han}·\s]+$/u.test(input)) {
    return fail(`${shown(input)}是账号名称，请提供账号ID或主页链接，或写明如何搜索到该账号`, '微信搜索公众号：东岚发布');
  }
  return fail(`${shown(input)}不是有效的账号ID或链接`, ACCOUNT_EXAMPLE);
}

function wechatId(text: string): Parsed<string> {
  const input = clean(text).replace(/\s+/g, '');
  if (/^[a-z][a-z0-9_-]{5,19}$/i.test(input)) return ok(input, input);
  if (input === '') return fail('请填写微信号', 'donglan_fabu');
  if (input.length < 6 || input.length > 20) return fail(`${shown(input)}不是有效的微信号：应为6到20位`, 'donglan_fabu');
  if (!/^[a-z]/i.test(input)) return fail(`${shown(input)}不是有效的微信号：应以字母开头`, 'donglan_fabu');
  return fail(`${shown(input)}不是有效的微信号：只能包含字母、数字、下划线和减号`, 'donglan_fabu');
}

function wechatOriginalId(text: string): Parsed<string> {
  const input = clean(text).replace(/\s+/g, '').toLowerCase();
  if (/^gh_[0-9a-f]{12}$/.test(input)) return ok(input, input);
  if (input === '') return fail('请填写公众号原始ID', ACCOUNT_EXAMPLE);
  return fail(`${shown(input)}不是有效的原始ID：应为“gh_”加12位字母或数字`, ACCOUNT_EXAMPLE);
}

function personName(text: string): Parsed<string> {
  // Middle dots people type in minority and foreign names: · • ・ ･ ‧ ． .
  const input = clean(text).replace(/\s*[·•・･‧．]\s*/g, '·');
  const han = input.replace(/\s+/g, '');
  if (/^\p{Script=Han}+(?:·\p{Script=Han}+)*$/u.test(han) && han.length >= 2 && han.length <= 20) return ok(han, han);
  if (/^[a-z]+(?:(?:\. ?|[ '-])[a-z]+)*\.?$/i.test(input) && input.length >= 2 && input.length <= 20) {
    return ok(input, input);
  }
  if (input === '') return fail('请填写姓名', '张三');
  if (han.length < 2) return fail(`${shown(input)}太短，请填写完整姓名`, '张三');
  if (han.length > 20) return fail('姓名不能超过20个字', '张三');
  return fail(`${shown(input)}不像是姓名，请只填写姓名`, '张三');
}

/** 统一社会信用代码 (GB 32100-2015) characters: digits and capitals except I, O, S, V, Z. The check digit is not verified. */
function creditCode(text: string): Parsed<string> {
  const input = clean(text).replace(/[\s-]+/g, '').toUpperCase();
  const example = CREDIT_CODE_EXAMPLE;
  if (input === '') return fail('请填写统一社会信用代码', example);
  if (input.length !== 18) return fail(`统一社会信用代码应为18位，现在是${input.length}位`, example);
  const bad = [...input].filter((ch) => !/[0-9A-HJ-NPQRTUWXY]/.test(ch));
  if (bad.length > 0) {
    return fail(`统一社会信用代码中不应有“${[...new Set(bad)].join('')}”，请核对`, example);
  }
  return ok(input, input);
}

export const namedValidators: Record<string, (text: string) => Parsed<string>> = {
  url,
  'account-id-or-url': accountIdOrUrl,
  'wechat-id': wechatId,
  'wechat-original-id': wechatOriginalId,
  'person-name': personName,
  'credit-code': creditCode,
  'time-of-day': parseTime,
};

export function isKnownValidator(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(namedValidators, name);
}
