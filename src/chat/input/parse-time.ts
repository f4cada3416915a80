import { normalizeText } from '../text-normalize';
import { parseNumber } from './parse-number';
import { fail, ok, type Parsed } from './parsed';

const EXAMPLE = '15:00';

/** Words for the part of the day written before the hour, and how they move the hour. */
type Period = 'am' | 'noon' | 'pm' | 'night';
const PERIODS: Record<string, Period> = {
  上午: 'am',
  早上: 'am',
  早晨: 'am',
  中午: 'noon',
  下午: 'pm',
  傍晚: 'night',
  晚上: 'night',
};

const CN_NUMERAL = '[零〇一二两三四五六七八九十]{1,3}';
/** "下午3:00", "15:00": the minutes are always two digits. */
const COLON_FORM = /^(上午|早上|早晨|中午|下午|傍晚|晚上)?(\d{1,2}):(\d{2})$/;
/** "15点", "15时30分", "下午三点半", "九点十五", "8点整", "3点钟". */
const HOUR_WORD_FORM = new RegExp(
  `^(上午|早上|早晨|中午|下午|傍晚|晚上)?(\\d{1,2}|${CN_NUMERAL})[点时](?:(半)|(\\d{1,2}|${CN_NUMERAL})分?|整|钟)?$`,
);
/** "0930", "1500": refused, a bare four-digit number could as well be a year. */
const COMPACT = /^\d{3,4}$/;
/** A deadline is often written "15:00前", "15点之前": the 前 does not change the time. */
const BEFORE_SUFFIX = /(?:之前|以前|前)$/;

/**
 * Read a time of day as people type it in a chat: "15:00", "15：00", "9:30", "15点", "15时30分", "15点半", "下午3点",
 * "下午三点", "上午九点半", "中午12点", "晚上8点", "15:00前" … . The value and the display are `HH:mm` (24 hours).
 *
 * 下午/傍晚/晚上 add 12 hours to 1–11 o'clock ("下午12点" stays 12:00), 中午 does so for 1–3 o'clock ("中午1点" =
 * 13:00). "晚上12点" is refused as ambiguous (noon or midnight, and of which day), and so is a compact "0930" (a year?).
 */
export function parseTime(text: string): Parsed<string> {
  const input = normalizeText(text)
    .replace(/\s+/g, '')
    .replace(/[。.!！,，;；]+$/, '')
    .replace(BEFORE_SUFFIX, '');
  if (input === '') return fail('请填写时间', EXAMPLE);
  const shown = `“${input.length > 20 ? `${input.slice(0, 20)}…` : input}”`;

  const read = readParts(input);
  if (!read) {
    if (COMPACT.test(input)) return fail(`${shown}无法识别为时间，请在小时和分钟之间加冒号`, EXAMPLE);
    return fail(`未能识别${shown}中的时间`, EXAMPLE);
  }

  const { period, hour, minute } = read;
  if (hour > 23) {
    return fail(`${shown}不是有效时间：小时应为0到23${hour === 24 ? '，一天结束请写23:59' : ''}`, EXAMPLE);
  }
  if (minute > 59) return fail(`${shown}不是有效时间：分钟应为0到59`, EXAMPLE);

  const hour24 = applyPeriod(period, hour);
  if (typeof hour24 === 'string') return fail(`${shown}不是有效时间：${hour24}`, EXAMPLE);
  const value = `${String(hour24).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  return ok(value, value);
}

function readParts(input: string): { period?: Period; hour: number; minute: number } | undefined {
  const colon = COLON_FORM.exec(input);
  if (colon) {
    return { period: colon[1] ? PERIODS[colon[1]] : undefined, hour: Number(colon[2]), minute: Number(colon[3]) };
  }
  const words = HOUR_WORD_FORM.exec(input);
  if (!words) return undefined;
  const [, periodWord, hourText, half, minuteText] = words;
  const hour = readNumber(hourText);
  const minute = half ? 30 : minuteText ? readNumber(minuteText) : 0;
  if (hour === undefined || minute === undefined) return undefined;
  return { period: periodWord ? PERIODS[periodWord] : undefined, hour, minute };
}

/** Arabic digits or Chinese numerals ("三", "十二", "二十三", "零五") as a whole number. */
function readNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const read = parseNumber(text, { integer: true, min: 0 });
  return read.ok ? read.value : undefined;
}

/** The hour on a 24-hour clock, or why the hour does not fit the part of the day. */
function applyPeriod(period: Period | undefined, hour: number): number | string {
  switch (period) {
    case undefined:
      return hour;
    case 'am':
      return hour <= 12 ? hour : '上午应写0到12点（或直接写成24小时制，如15:00）';
    case 'noon':
      if (hour === 11 || hour === 12) return hour;
      if (hour >= 1 && hour <= 3) return hour + 12;
      return '中午应写11点到3点';
    case 'pm':
      if (hour >= 1 && hour <= 11) return hour + 12;
      if (hour === 12) return 12;
      return '下午应写1到12点（或直接写成24小时制，如15:00）';
    case 'night':
      if (hour >= 1 && hour <= 11) return hour + 12;
      if (hour === 12) return '分不清是中午还是午夜，当天结束请写23:59';
      return '晚上应写1到11点（或直接写成24小时制，如20:00）';
  }
}
