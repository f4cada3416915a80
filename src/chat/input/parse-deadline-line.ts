import { normalizeText } from '../text-normalize';
import { formatDateCn, isDateOnly } from '../../shared/shanghai-time';
import { parseDate } from './parse-date';
import { parseTime } from './parse-time';
import { fail, ok, type Parsed } from './parsed';

/** Whom the admin addressed, in words: unit names are resolved against the roster later. */
export type AudienceWords = { kind: 'all' } | { kind: 'openFindings' } | { kind: 'units'; names: string[] };

export interface DeadlineLine {
  /** `YYYY-MM-DD`, not before today. */
  dueDate: string;
  /** `HH:mm` (24 hours), when a time was given. */
  dueTime?: string;
  title: string;
  /** Absent when the line names no audience; the caller decides the default. */
  audience?: AudienceWords;
}

const EXAMPLE = '截止 3月17日 15:00 报送政务新媒体检查结果信息表 全部单位';

const ALL_WORDS = new Set(['全部单位', '所有单位', '全体单位', '各单位']);
const OPEN_FINDINGS_WORDS = new Set(['有问题的单位', '有问题单位', '待整改单位', '未整改单位', '不合格单位']);
const UNIT_SUFFIX = /(?:局|办|委|院|署|中心|政府|街道|镇|乡|所|队|站|会|馆|团|社|处|室|部|厅)$/;
/** A unit name: Han characters, letters, digits and brackets only — no punctuation, no spaces. */
const UNIT_NAME_CHARS = /^[\p{Script=Han}A-Za-z0-9()（）·]+$/u;
const UNIT_SEPARATORS = /[、,，;；]/;
/** Separators between the parts of the line: "3月17日，15:00，报送…". */
const LEADING_SEPARATORS = /^[,，:：;；、]+/;
const TRAILING_SEPARATORS = /[,，:：;；、]+$/;
/** "3月17日前", "3月17日之前": the 前 does not change the date. */
const BEFORE_SUFFIX = /(?:之前|以前|前)$/;
/** A date without a year ("3月17日", "3.17", "03-17"); a year is either four digits or followed by 年. */
const YEARLESS = /^\d{1,2}(?:月|[./-])/;
/** A time with digits that parseTime may refuse ("25:00", "下午13点"): reported instead of going into the title. */
const TIME_ATTEMPT = /^(?:上午|早上|早晨|中午|下午|傍晚|晚上)?\d{1,2}(?::\d+|[点时](?:\d+分?|半)?)(?:之前|以前|前)?/;

/**
 * Read the admin's one-line deadline command, the text after the command word 截止:
 * "3月17日 15:00 报送政务新媒体检查结果信息表 全部单位", "2026年7月31日下午3:00 报送排查表 有问题的单位",
 * "3月17日前 报送自查表".
 *
 * - The date comes first, in any form parseDate reads, optionally followed by 前/之前/以前. It must not be before
 *   `today`; a date without a year that is already past this year means next year (parseDate itself always takes
 *   the year of `today`).
 * - A time may follow, glued ("3月17日15:00", "7月31日下午3:00") or after a space, in any form parseTime reads. Where
 *   both sides of the join are digits ("3.1715:00") the split is ambiguous and nothing is glued there.
 * - The audience, if any, is at the end: 全部单位/所有单位/全体单位/各单位, 有问题的单位/待整改单位/…, or unit names
 *   ("区发改局、区教体局", "区发改局 区教体局") — only when every name ends like a unit (局, 办, 委, 中心, 街道 …) and
 *   something is left for the title.
 * - The title is the rest and must not be empty.
 */
export function parseDeadlineLine(text: string, today: string): Parsed<DeadlineLine> {
  if (!isDateOnly(today)) throw new RangeError(`parseDeadlineLine: today must be YYYY-MM-DD, got ${JSON.stringify(today)}`);
  const input = normalizeText(text).replace(/[。.!！]+$/, '');
  if (input === '') return fail('请写明截止日期和截止事项', EXAMPLE);

  const tokens = input.split(' ');
  const date = readLeadingDate(tokens[0], today);
  if (!date.ok) return date;

  // The time, glued to the date or as the next token; what follows it in the same token starts the title.
  let words: string[];
  let dueTime: string | undefined;
  const gluedAfterDate = tokens[0].slice(date.length).replace(LEADING_SEPARATORS, '');
  const timeToken = gluedAfterDate !== '' ? gluedAfterDate : (tokens[1] ?? '');
  const time = readLeadingTime(timeToken);
  if (!time.ok) return time;
  if (time.length > 0) dueTime = time.value;
  const titleStart = timeToken.slice(time.length);
  if (gluedAfterDate !== '') words = [titleStart, ...tokens.slice(1)];
  else words = [titleStart, ...tokens.slice(2)];
  words = words.map((w) => w.replace(LEADING_SEPARATORS, '')).filter((w) => w !== '');

  const audience = takeAudience(words);
  const title = words.join(' ').replace(LEADING_SEPARATORS, '').replace(TRAILING_SEPARATORS, '').trim();
  if (title === '') return fail('请写明截止事项（要报送或完成什么）', EXAMPLE);

  const value: DeadlineLine = { dueDate: date.value, title };
  if (dueTime !== undefined) value.dueTime = dueTime;
  if (audience !== undefined) value.audience = audience;
  return ok(value, display(value));
}

type Refusal = { ok: false; problem: string; example: string };
/** A value read from the start of a token, and how many characters it took. */
type Read<T> = { ok: true; value: T; length: number } | Refusal;

function refuse(problem: string): Refusal {
  return { ok: false, problem, example: EXAMPLE };
}

/** The longest start of the first token that is a date (with its 前), checked against today. */
function readLeadingDate(token: string, today: string): Read<string> {
  for (let end = token.length; end > 0; end--) {
    const candidate = token.slice(0, end);
    const after = token.slice(end);
    if (after !== '' && /\d$/.test(candidate) && /^\d/.test(after)) continue;
    const cleaned = cleanDate(candidate);
    if (cleaned === '' || !parseDate(cleaned, today).ok) continue;
    const resolved = resolveDate(cleaned, today);
    return resolved.ok ? { ok: true, value: resolved.value, length: end } : refuse(resolved.problem);
  }
  // No date: let parseDate say why, about the part up to 日/号 when there is one ("2月30日15:00" → "2月30日").
  const dateLike = /^.*?[日号]/.exec(token)?.[0] ?? token;
  const refused = parseDate(cleanDate(dateLike), today);
  const problem = refused.ok ? `未能识别“${token}”中的日期` : refused.problem;
  return refuse(problem.startsWith('未能识别') ? `“截止”后面应先写日期，${problem}` : problem);
}

function cleanDate(candidate: string): string {
  return candidate.replace(TRAILING_SEPARATORS, '').replace(BEFORE_SUFFIX, '');
}

/** Not before today; a date without a year that is past this year is taken as next year's. */
function resolveDate(date: string, today: string): Parsed<string> {
  const bounded = parseDate(date, today, { notBefore: today });
  if (bounded.ok || !YEARLESS.test(date)) return bounded;
  const nextYear = parseDate(date, `${Number(today.slice(0, 4)) + 1}-01-01`, { notBefore: today });
  // Only fails for 29 February when next year is not a leap year: keep the first reason.
  return nextYear.ok ? nextYear : bounded;
}

/**
 * The longest start of a token that is a time (length 0 when there is none), or a refusal when the token plainly
 * starts with a time that is wrong ("25:00", "下午13点").
 */
function readLeadingTime(token: string): Read<string> {
  for (let end = token.length; end > 0; end--) {
    const candidate = token.slice(0, end);
    const after = token.slice(end);
    if (after !== '' && /\d$/.test(candidate) && /^\d/.test(after)) continue;
    const time = parseTime(candidate);
    if (time.ok) return { ok: true, value: time.value, length: end };
  }
  const attempt = TIME_ATTEMPT.exec(token);
  if (attempt) {
    const refused = parseTime(attempt[0]);
    if (!refused.ok) return refuse(refused.problem);
  }
  return { ok: true, value: '', length: 0 };
}

/** Removes the audience from the end of the words and returns it. */
function takeAudience(words: string[]): AudienceWords | undefined {
  const last = words.at(-1);
  if (last === undefined) return undefined;

  // "全部单位", or glued to the title by a comma: "报送自查表，全部单位".
  const parts = last.split(/[,，;；:：]/);
  const keyword = parts.at(-1) ?? '';
  const kind = ALL_WORDS.has(keyword) ? 'all' : OPEN_FINDINGS_WORDS.has(keyword) ? 'openFindings' : undefined;
  if (kind !== undefined) {
    const before = last.slice(0, last.length - keyword.length);
    words.splice(-1, 1, ...(before === '' ? [] : [before]));
    return { kind };
  }

  // Unit names in the last words; at least one word stays for the title.
  const names: string[] = [];
  let start = words.length;
  for (let i = words.length - 1; i >= 1; i--) {
    const items = words[i].split(UNIT_SEPARATORS).filter((item) => item !== '');
    if (items.length === 0) continue; // a lone "、" between names
    if (!items.every(isUnitName)) break;
    names.unshift(...items);
    start = i;
  }
  if (names.length === 0) return undefined;
  words.splice(start);
  return { kind: 'units', names: [...new Set(names)] };
}

function isUnitName(item: string): boolean {
  return item.length >= 2 && UNIT_NAME_CHARS.test(item) && UNIT_SUFFIX.test(item);
}

/** "2026年3月17日 15:00 截止：报送自查表；对象：全部单位" */
function display(line: DeadlineLine): string {
  const when = `${formatDateCn(line.dueDate)}${line.dueTime !== undefined ? ` ${line.dueTime}` : ''}`;
  return `${when} 截止：${line.title}${line.audience ? `；对象：${describeAudienceWords(line.audience)}` : ''}`;
}

function describeAudienceWords(audience: AudienceWords): string {
  switch (audience.kind) {
    case 'all':
      return '全部单位';
    case 'openFindings':
      return '有问题的单位';
    case 'units':
      return audience.names.join('、');
  }
}
