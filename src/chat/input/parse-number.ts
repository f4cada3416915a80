import { normalizeText } from '../text-normalize';
import { fail, ok, type Parsed } from './parsed';

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Only whole numbers ("1.5" fails; "1.2万" = 12000 is whole and passes). */
  integer?: boolean;
}

const CN_DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};
const CN_SMALL_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const CN_BIG_UNITS: Record<string, number> = { 万: 1e4, 亿: 1e8 };
const MULTIPLIERS: Record<string, number> = { 百: 100, 千: 1000, 万: 1e4, 亿: 1e8 };

const PREFIX = /^(?:大约|大概|约合|约为|约|近)/;
const SUFFIX = /(?:左右|上下)$/;
/**
 * Sign, digits (with optional thousand separators and decimals), an optional 百/千/万/亿, an optional 多/余, and a
 * unit of up to four Chinese characters that are not numerals (人, 个, 篇, 人次, 粉丝 …).
 */
const ARABIC = /^([+-]?)(\d[\d,]*(?:\.\d+)?|\.\d+)(百|千|万|亿)?(?:多|余)?((?:(?![零〇一二两三四五六七八九十百千万亿])\p{Script=Han}){0,4})$/u;
const CHINESE = /^([零〇一二两三四五六七八九十百千万亿]+)(?:多|余)?((?:(?![零〇一二两三四五六七八九十百千万亿])\p{Script=Han}){0,4})$/u;

/**
 * Read a number: "12345", "１２，３４５", "12,345", "1.2万", "3万", "约5000", "5000人", "三千五" … . Words like
 * 约/大约/左右 and a trailing unit (人, 个 …) are ignored. "3.2" here is the number 3.2 (parseDate reads it as a date).
 */
export function parseNumber(text: string, opts: NumberBounds = {}): Parsed<number> {
  const example = exampleFor(opts);
  const input = normalizeText(text)
    .replace(/\s+/g, '')
    .replace(/[。.!！;；]+$/, '')
    .replace(PREFIX, '')
    .replace(SUFFIX, '');
  if (input === '') return fail('请填写数字', example);
  const shown = `“${input.length > 20 ? `${input.slice(0, 20)}…` : input}”`;

  let value: number | undefined;
  const arabic = ARABIC.exec(input);
  if (arabic) {
    const [, sign, digits, multiplier] = arabic;
    if (digits.includes(',') && !/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(digits)) {
      return fail(`${shown}中的千位分隔符位置不对`, example);
    }
    const base = Number(digits.replace(/,/g, ''));
    const scaled = multiplier ? Number.parseFloat((base * MULTIPLIERS[multiplier]).toPrecision(15)) : base;
    value = sign === '-' ? -scaled : scaled;
  } else {
    const chinese = CHINESE.exec(input);
    if (chinese) value = parseChineseInteger(chinese[1]);
  }
  if (value === undefined || !Number.isFinite(value)) return fail(`未能从${shown}中识别出数字`, example);
  if (Object.is(value, -0)) value = 0;

  if (opts.integer && !Number.isInteger(value)) return fail(`${shown}不是整数，请填写整数`, example);
  if (opts.min !== undefined && value < opts.min) return fail(`数值不能小于${opts.min}`, example);
  if (opts.max !== undefined && value > opts.max) return fail(`数值不能大于${opts.max}`, example);
  return ok(value, String(value));
}

/**
 * Chinese numerals for whole numbers: "三千五百" = 3500, "十二" = 12, "一万零五" = 10005. The colloquial short form
 * counts too: a last digit right after a unit is one unit lower ("三千五" = 3500, "两万五" = 25000).
 */
function parseChineseInteger(text: string): number | undefined {
  let total = 0;
  let section = 0;
  let digit: number | undefined;
  let previousUnit = 0;
  for (const ch of text) {
    if (ch in CN_DIGITS) {
      if (digit !== undefined && digit !== 0) return undefined; // "三五", "二零二六": not one number
      digit = CN_DIGITS[ch];
      if (digit === 0) previousUnit = 0;
    } else if (ch in CN_SMALL_UNITS) {
      const unit = CN_SMALL_UNITS[ch];
      section += (digit ?? 1) * unit; // "十二" = 12, "百" = 100
      digit = undefined;
      previousUnit = unit;
    } else {
      const unit = CN_BIG_UNITS[ch];
      // 亿 scales everything before it; 万 only its own section ("一亿二千万" = 1.2亿).
      if (unit === 1e8) total = (total + section + (digit ?? 0)) * unit;
      else total += (section + (digit ?? 0)) * unit;
      section = 0;
      digit = undefined;
      previousUnit = unit;
    }
  }
  if (digit !== undefined && digit !== 0 && previousUnit >= 100) digit *= previousUnit / 10;
  return total + section + (digit ?? 0);
}

function exampleFor(opts: NumberBounds): string {
  let candidate = 100;
  if (opts.max !== undefined && candidate > opts.max) candidate = opts.max;
  if (opts.min !== undefined && candidate < opts.min) candidate = opts.min;
  if (opts.integer) candidate = Math.ceil(candidate);
  return String(candidate);
}
