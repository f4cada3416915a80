/**
 * Calendar dates and wall-clock times in Beijing time (Asia/Shanghai).
 *
 * Asia/Shanghai has had a fixed UTC+8 offset without daylight saving since 1991, so a constant offset is exact for
 * every date this bot deals with and nothing depends on the time zone of the machine.
 *
 * A date is a `YYYY-MM-DD` string (DOMAIN "DateOnly"); an instant is a `Date`.
 */

const OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const WEEKDAYS_CN = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] as const;

/** Number of days of a month (1–12) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when year/month/day name a real calendar date (2026-02-30 and 2026-13-01 do not). */
export function isValidYmd(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= 1000 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** True for a well-formed `YYYY-MM-DD` string naming a real calendar date. */
export function isDateOnly(date: string): boolean {
  const m = DATE_RE.exec(date);
  return m !== null && isValidYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `YYYY-MM-DD` from its parts (no validation). */
export function ymd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function parts(date: string): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (!m || !isValidYmd(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new RangeError(`not a YYYY-MM-DD calendar date: ${JSON.stringify(date)}`);
  }
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** The calendar date (`YYYY-MM-DD`) in Beijing at this instant. */
export function toShanghaiDate(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date');
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of a Beijing wall-clock time: `shanghaiInstant('2026-03-02', '15:00')` = 2026-03-02T07:00:00Z. */
export function shanghaiInstant(date: string, time = '00:00'): Date {
  const { year, month, day } = parts(date);
  const t = TIME_RE.exec(time);
  const hour = t ? Number(t[1]) : NaN;
  const minute = t ? Number(t[2]) : NaN;
  const second = t?.[3] ? Number(t[3]) : 0;
  if (!t || hour > 23 || minute > 59 || second > 59) {
    throw new RangeError(`not a HH:mm time: ${JSON.stringify(time)}`);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - OFFSET_MS);
}

/** `2026-03-02` → `2026年3月2日`. */
export function formatDateCn(date: string): string {
  const { year, month, day } = parts(date);
  return `${year}年${month}月${day}日`;
}

/** An instant as Beijing date and time: `2026年3月2日 15:00`. */
export function formatInstantCn(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date');
  const shifted = new Date(instant.getTime() + OFFSET_MS);
  const hh = String(shifted.getUTCHours()).padStart(2, '0');
  const mm = String(shifted.getUTCMinutes()).padStart(2, '0');
  return `${formatDateCn(shifted.toISOString().slice(0, 10))} ${hh}:${mm}`;
}

/** The date `n` calendar days after (`n` < 0: before) a date. */
export function addCalendarDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`not a whole number of days: ${n}`);
  const { year, month, day } = parts(date);
  return new Date(Date.UTC(year, month - 1, day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = parts(from);
  const b = parts(to);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

/** Day of the week, 0 = Sunday … 6 = Saturday. */
export function weekdayIndex(date: string): number {
  const { year, month, day } = parts(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** `周一` … `周日`. */
export function weekdayCn(date: string): string {
  return WEEKDAYS_CN[weekdayIndex(date)];
}
