import { normalizeText } from '../text-normalize';
import { addCalendarDays, daysInMonth, formatDateCn, isDateOnly, ymd } from '../../shared/shanghai-time';
import { fail, ok, type Parsed } from './parsed';

export interface DateBounds {
  /** Latest allowed date, `YYYY-MM-DD` (e.g. today for an opening date). */
  notAfter?: string;
  /** Earliest allowed date, `YYYY-MM-DD`. */
  notBefore?: string;
}

const RELATIVE_DAYS: Record<string, number> = {
  今天: 0,
  今日: 0,
  昨天: -1,
  昨日: -1,
  前天: -2,
  大前天: -3,
  明天: 1,
  明日: 1,
  后天: 2,
};

/** "2026年3月2日", "26年3月2号", "2026年3月2" */
const CN_FULL = /^(\d{4}|\d{2})年(\d{1,2})月(\d{1,2})[日号]?$/;
/** "3月2日", "3月2号", "3月2" */
const CN_MONTH_DAY = /^(\d{1,2})月(\d{1,2})[日号]?$/;
/** "2026.3.2", "2026/3/2", "2026-03-02" (one separator throughout) */
const SEPARATED_FULL = /^(\d{4})([./-])(\d{1,2})\2(\d{1,2})[日号]?$/;
/** "3.2", "03.02", "3/2", "3-2": month and day of the current year */
const SEPARATED_MONTH_DAY = /^(\d{1,2})[./-](\d{1,2})$/;
/** "20260302" */
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
/** "2026年3月", "3月": a month without a day */
const MONTH_ONLY = /^(?:(\d{4})年)?(\d{1,2})月份?$/;
/** A weekday written after the date: "3月2日周一", "3月2日（星期一）" — ignored. */
const WEEKDAY_SUFFIX = /(?<=[\d日号])[(（]?(?:周|星期|礼拜)[一二三四五六日天][)）]?$/;

/**
 * Read a calendar date the way people type it in a chat: "2026年3月2日", "３月２号", "3.2", "2026/3/2", "20260302",
 * "今天", "昨天" … . `today` and the result are `YYYY-MM-DD` dates in Beijing time. A date without a year takes the
 * year of `today`. "3.2" is always a date here (2 March), never a decimal number, and "3.20" is 20 March.
 */
export function parseDate(text: string, today: string, opts: DateBounds = {}): Parsed<string> {
  if (!isDateOnly(today)) throw new RangeError(`parseDate: today must be YYYY-MM-DD, got ${JSON.stringify(today)}`);
  for (const bound of [opts.notAfter, opts.notBefore]) {
    if (bound !== undefined && !isDateOnly(bound)) {
      throw new RangeError(`parseDate: a bound must be YYYY-MM-DD, got ${JSON.stringify(bound)}`);
    }
  }
  const example = formatDateCn(clamp(today, opts));
  const input = normalizeText(text)
    .replace(/\s+/g, '')
    .replace(/[。.!！,，;；]+$/, '')
    .replace(WEEKDAY_SUFFIX, '');

  if (input === '') return fail('请填写日期', example);

  const relative = RELATIVE_DAYS[input];
  if (relative !== undefined) return withinBounds(addCalendarDays(today, relative), today, opts, example);

  const read = readParts(input, Number(today.slice(0, 4)));
  if (!read) {
    const monthOnly = MONTH_ONLY.exec(input);
    if (monthOnly) return fail(`“${input}”缺少具体哪一天，请写到日`, example);
    return fail(`未能识别“${shorten(input)}”中的日期`, example);
  }

  const { year, month, day, yearGiven } = read;
  const typed = `${yearGiven ? `${year}年` : ''}${month}月${day}日`;
  if (year < 1900 || year > 2100) return fail(`“${year}年”不是有效年份`, example);
  if (month < 1 || month > 12) return fail(`“${typed}”不是有效日期：月份应为1到12`, example);
  const maxDay = daysInMonth(year, month);
  if (day < 1 || day > maxDay) {
    const reason = day < 1 ? '日应从1开始' : `${year}年${month}月只有${maxDay}天`;
    return fail(`“${typed}”不是有效日期：${reason}`, example);
  }
  return withinBounds(ymd(year, month, day), today, opts, example);
}

function readParts(
  input: string,
  currentYear: number,
): { year: number; month: number; day: number; yearGiven: boolean } | undefined {
  let m = CN_FULL.exec(input);
  if (m) {
    const year = m[1].length === 2 ? 2000 + Number(m[1]) : Number(m[1]);
    return { year, month: Number(m[2]), day: Number(m[3]), yearGiven: true };
  }
  m = SEPARATED_FULL.exec(input);
  if (m) return { year: Number(m[1]), month: Number(m[3]), day: Number(m[4]), yearGiven: true };
  m = COMPACT.exec(input);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), yearGiven: true };
  m = CN_MONTH_DAY.exec(input) ?? SEPARATED_MONTH_DAY.exec(input);
  if (m) return { year: currentYear, month: Number(m[1]), day: Number(m[2]), yearGiven: false };
  return undefined;
}

function withinBounds(date: string, today: string, opts: DateBounds, example: string): Parsed<string> {
  if (opts.notAfter !== undefined && date > opts.notAfter) {
    return fail(`日期不能晚于${boundLabel(opts.notAfter, today)}`, example);
  }
  if (opts.notBefore !== undefined && date < opts.notBefore) {
    return fail(`日期不能早于${boundLabel(opts.notBefore, today)}`, example);
  }
  return ok(date, formatDateCn(date));
}

function boundLabel(bound: string, today: string): string {
  return bound === today ? `今天（${formatDateCn(bound)}）` : formatDateCn(bound);
}

/** Today moved into the allowed range, for the example of a right answer. */
function clamp(today: string, opts: DateBounds): string {
  if (opts.notAfter !== undefined && today > opts.notAfter) return opts.notAfter;
  if (opts.notBefore !== undefined && today < opts.notBefore) return opts.notBefore;
  return today;
}

function shorten(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}
