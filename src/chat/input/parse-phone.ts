import { normalizeText } from '../text-normalize';
import { fail, ok, type Parsed } from './parsed';

export type PhoneKind = 'mobile' | 'landline' | 'any';

const MOBILE_EXAMPLE = '13700005332';
const LANDLINE_EXAMPLE = '0123-6800001';
const EXAMPLES: Record<PhoneKind, string> = { mobile: MOBILE_EXAMPLE, landline: LANDLINE_EXAMPLE, any: MOBILE_EXAMPLE };

/** Area code, optionally in brackets, a separator or none, the number, an optional extension. */
const LANDLINE_SEPARATED = /^\((0\d{2,3})\)-?(\d{7,8})(?:(?:转|-|#|分机)(\d{1,6}))?$|^(0\d{2,3})-(\d{7,8})(?:(?:转|-|#|分机)(\d{1,6}))?$/;
/** Area code and number written together: the area code length follows the numbering plan (010, 02x: 3 digits). */
const LANDLINE_COMPACT = /^(0\d{9,11})(?:(?:转|-|#|分机)(\d{1,6}))?$/;

/**
 * Read a telephone number.
 *
 * - mobile: 11 digits starting with 1; spaces, dashes and a leading +86 / 86 / 0086 are dropped → `13700005332`.
 * - landline: area code (3–4 digits starting with 0) and number (7–8 digits), as `0123-6800001`, `0123 6800001`,
 *   `(0123)6800001`, `（0123）6800001` or `01236800001`; an extension `转123` / `-123` may follow → `0123-6800001-123`.
 *   Written without separator, 010 and 02x have a 3-digit area code and every other one 4 digits (the national
 *   numbering plan), so `01236800001` is `0123-6800001`.
 */
export function parsePhone(text: string, kind: PhoneKind): Parsed<string> {
  const input = normalizeText(text).replace(/[。.!！,，;；]+$/, '');
  const example = EXAMPLES[kind];
  if (input === '') return fail(kind === 'landline' ? '请填写座机号码（含区号）' : '请填写电话号码', example);

  if (kind !== 'landline') {
    const mobile = readMobile(input);
    if (mobile) return ok(mobile, mobile);
  }
  if (kind !== 'mobile') {
    const landline = readLandline(input);
    if (landline) return ok(landline, landline);
  }

  const digits = input.replace(/\D/g, '');
  const shown = `“${input.length > 30 ? `${input.slice(0, 30)}…` : input}”`;
  if (kind === 'mobile') {
    if (readLandline(input)) return fail(`${shown}是座机号码，这里需要手机号码`, example);
    if (/^1/.test(digits)) return fail(`${shown}不是有效的手机号码：应为11位数字，现在是${digits.length}位`, example);
    return fail(`${shown}不是有效的手机号码：应为以1开头的11位数字`, example);
  }
  if (kind === 'landline') {
    if (readMobile(input, true)) return fail(`${shown}是手机号码，这里需要座机号码（含区号）`, example);
    if (/^\d{7,8}$/.test(digits)) return fail(`${shown}缺少区号，请加上区号`, example);
    return fail(`${shown}不是有效的座机号码：应为区号加7到8位号码`, example);
  }
  if (/^\d{7,8}$/.test(digits)) return fail(`${shown}缺少区号，座机请加上区号`, LANDLINE_EXAMPLE);
  return fail(`${shown}不是有效的电话号码：手机为11位数字，座机为区号加号码`, `${MOBILE_EXAMPLE} 或 ${LANDLINE_EXAMPLE}`);
}

/** Groupings people write a mobile number in: 13700005332, 137 0000 5332, 137-00005332, 1370000-5332. */
const MOBILE_GROUPS = new Set(['11', '3,4,4', '3,8', '7,4']);

/**
 * 11 digits starting with 1 after dropping +86 / 0086 / 86, spaces and dashes. `strict` also requires a usual
 * grouping; it only decides whether a failed landline answer "looks like a mobile number".
 */
function readMobile(input: string, strict = false): string | undefined {
  const rest = input.replace(/^(?:\+\s*86|0086|86)[\s-]*(?=1)/, '');
  const groups = rest.split(/[\s-]+/).filter((g) => g !== '');
  if (!groups.every((g) => /^\d+$/.test(g))) return undefined;
  if (strict && !MOBILE_GROUPS.has(groups.map((g) => g.length).join(','))) return undefined;
  const compact = groups.join('');
  return /^1\d{10}$/.test(compact) ? compact : undefined;
}

function readLandline(input: string): string | undefined {
  // Brackets and white space around the area code: "（0123） 6800001" → "(0123)6800001"; "0123 6800001" → "0123-6800001".
  const s = input
    .replace(/\s*([()])\s*/g, '$1')
    .replace(/\s*(转|分机|#)\s*/g, '$1')
    .replace(/\s*-\s*/g, '-')
    .replace(/\s+/g, '-');
  const m = LANDLINE_SEPARATED.exec(s);
  if (m) {
    const area = m[1] ?? m[4];
    const number = m[2] ?? m[5];
    const ext = m[3] ?? m[6];
    return join(area, number, ext);
  }
  const c = LANDLINE_COMPACT.exec(s);
  if (c) {
    const all = c[1];
    const areaLength = /^(?:010|02)/.test(all) ? 3 : 4;
    const number = all.slice(areaLength);
    if (number.length < 7 || number.length > 8) return undefined;
    return join(all.slice(0, areaLength), number, c[2]);
  }
  return undefined;
}

function join(area: string, number: string, ext: string | undefined): string {
  return ext ? `${area}-${number}-${ext}` : `${area}-${number}`;
}

/**
 * A telephone number with its middle hidden, for lists and logs: `137****5332`, `0123-****001`
 * (`0123-****001-123` with an extension). Text that is not a recognisable number keeps only its last 3 characters.
 */
export function maskPhone(phone: string): string {
  const parsed = parsePhone(phone, 'any');
  if (parsed.ok) {
    const v = parsed.value;
    if (/^1\d{10}$/.test(v)) return `${v.slice(0, 3)}****${v.slice(7)}`;
    const [area, number, ext] = v.split('-');
    return `${area}-****${number.slice(-3)}${ext ? `-${ext}` : ''}`;
  }
  const compact = phone.replace(/\s/g, '');
  return compact.length <= 3 ? '****' : `****${compact.slice(-3)}`;
}
