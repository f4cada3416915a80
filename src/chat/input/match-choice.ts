import { normalizeText } from '../text-normalize';
import { fail, ok, type Parsed } from './parsed';

export interface ChoiceOption {
  /** Stored value (a canonical code such as `wechat`). */
  value: string;
  /** Text shown in the numbered list (e.g. 微信公众号). */
  label: string;
  /** Other spellings people use (e.g. 公众号, 微信服务号). */
  synonyms?: string[];
}

export interface MultiChoiceBounds {
  /** Fewest options to pick; default 1. With 0, "无" / "没有" / "都没有" is the empty selection. */
  min?: number;
  max?: number;
}

const CN_ORDINALS: Record<string, number> = {
  一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10,
  十一: 11, 十二: 12, 十三: 13, 十四: 14, 十五: 15, 十六: 16, 十七: 17, 十八: 18, 十九: 19, 二十: 20,
};
/** "2", "2.", "2、", "第2个", "第二项", "选2", "②" (NFKC turns ② into 2). */
const ORDINAL = /^(?:选|选择)?(?:第)?(\d{1,3}|[一二两三四五六七八九十]{1,3})(?:个|项|条|种|号|类)?[.、)]?$/;
const ALL = new Set(['全部', '都有', '都是', '全选', '所有', '以上都有', '以上全部', '以上都是', '全都有', '全部都有']);
const NONE = new Set(['无', '没有', '都没有', '都不是', '以上都没有', '以上都不是', '暂无']);
const SEPARATORS = /[、,，;；/\s]+|以及|和|及|与/;

/** Comparison key: width-, case- and space-insensitive, trailing punctuation dropped. */
function key(text: string): string {
  return normalizeText(text)
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[。!！?？;；,，]+$/, '');
}

function namesOf(option: ChoiceOption): string[] {
  return [option.label, ...(option.synonyms ?? []), option.value].map(key).filter((n) => n !== '');
}

function shown(text: string): string {
  return `“${text.length > 20 ? `${text.slice(0, 20)}…` : text}”`;
}

/**
 * Match one answer to one of `options`: the 1-based number ("2", "第2个", "2.", "②"), the label, a synonym or the
 * value (case-, width- and space-insensitive), else a unique partial match (the answer contains a label or synonym,
 * or a label or synonym contains the answer: "抖音号" → 抖音, "视频号" → 微信视频号). When several options match
 * partially and the answer contains exactly one longest name, that one wins; otherwise it fails listing them.
 */
export function matchChoice(text: string, options: ChoiceOption[]): Parsed<string> {
  const r = matchIndex(text, options);
  if (!r.ok) return r;
  const option = options[r.value];
  return ok(option.value, option.label);
}

function matchIndex(text: string, options: ChoiceOption[]): Parsed<number> {
  if (options.length === 0) throw new RangeError('matchChoice: no options');
  const example = options[0].label;
  const input = key(text);
  if (input === '') return fail('请回复选项的序号或名称', example);

  const ordinal = ORDINAL.exec(input);
  const n = ordinal ? (/^\d+$/.test(ordinal[1]) ? Number(ordinal[1]) : CN_ORDINALS[ordinal[1]]) : undefined;
  if (n !== undefined && n >= 1 && n <= options.length) return ok(n - 1, options[n - 1].label);

  const names = options.map(namesOf);
  const exact = names.findIndex((ns) => ns.includes(input));
  if (exact >= 0) return ok(exact, options[exact].label);
  if (n !== undefined) return fail(`没有第${n}项，请回复1到${options.length}之间的序号`, '1');

  // Partial: the longest name of each option that the answer contains, or that contains the answer.
  const contained: { index: number; length: number }[] = [];
  const containing: number[] = [];
  names.forEach((ns, index) => {
    const inside = ns.filter((n) => n.length >= 2 && input.includes(n));
    if (inside.length > 0) contained.push({ index, length: Math.max(...inside.map((n) => n.length)) });
    else if (input.length >= 2 && ns.some((n) => n.includes(input))) containing.push(index);
  });
  const candidates = [...contained.map((c) => c.index), ...containing].sort((a, b) => a - b);
  if (candidates.length === 1) return ok(candidates[0], options[candidates[0]].label);
  if (contained.length > 1) {
    const longest = Math.max(...contained.map((c) => c.length));
    const best = contained.filter((c) => c.length === longest);
    if (best.length === 1) return ok(best[0].index, options[best[0].index].label);
  } else if (contained.length === 1) {
    return ok(contained[0].index, options[contained[0].index].label);
  }
  if (candidates.length > 1) {
    const labels = candidates.map((i) => options[i].label).join('、');
    return fail(`${shown(input)}可能是：${labels}，请回复序号或完整名称`, options[candidates[0]].label);
  }
  return fail(`${shown(input)}不在选项中，请回复序号或选项名称`, example);
}

/**
 * Match several answers: "1、3", "1,3", "微信 抖音", "微信和抖音", "全部"/"都有" (every option), and "134" for
 * options 1, 3 and 4 when there are at most 9 options and 134 itself is not an option number. Duplicates are
 * dropped and the result is in option order; display = labels joined by "、".
 */
export function matchMultiChoice(text: string, options: ChoiceOption[], opts: MultiChoiceBounds = {}): Parsed<string[]> {
  if (options.length === 0) throw new RangeError('matchMultiChoice: no options');
  const min = opts.min ?? 1;
  const max = opts.max ?? options.length;
  const exampleCount = Math.max(1, Math.min(max, Math.max(min, 2), options.length));
  const example = options
    .slice(0, exampleCount)
    .map((o) => o.label)
    .join('、');
  const input = key(text);

  let indexes: number[];
  if (ALL.has(input)) {
    indexes = options.map((_, i) => i);
  } else if (NONE.has(input)) {
    indexes = [];
  } else if (input === '') {
    return fail('请回复选项的序号或名称，多个用“、”隔开', example);
  } else {
    const whole = exactIndex(input, options);
    if (whole !== undefined) {
      indexes = [whole];
    } else {
      const parts = normalizeText(text)
        .split(SEPARATORS)
        .map(key)
        .filter((p) => p !== '');
      indexes = [];
      for (const part of parts) {
        const digits = splitDigits(part, options.length);
        if (digits) {
          indexes.push(...digits);
          continue;
        }
        const r = matchIndex(part, options);
        if (!r.ok) return fail(r.problem, example);
        indexes.push(r.value);
      }
    }
  }

  const unique = [...new Set(indexes)].sort((a, b) => a - b);
  if (unique.length < min) {
    return fail(min === 1 ? '请至少选择一项' : `请至少选择${min}项`, example);
  }
  if (unique.length > max) return fail(`最多只能选择${max}项，现在选了${unique.length}项`, example);
  if (unique.length === 0) return ok([], '无');
  return ok(
    unique.map((i) => options[i].value),
    unique.map((i) => options[i].label).join('、'),
  );
}

function exactIndex(input: string, options: ChoiceOption[]): number | undefined {
  const i = options.findIndex((o) => namesOf(o).includes(input));
  return i >= 0 ? i : undefined;
}

/** "134" → [0, 2, 3] when it cannot be one option number and every digit is one. */
function splitDigits(part: string, count: number): number[] | undefined {
  if (!/^\d{2,9}$/.test(part) || count > 9 || Number(part) <= count) return undefined;
  const digits = [...part].map(Number);
  return digits.every((d) => d >= 1 && d <= count) ? digits.map((d) => d - 1) : undefined;
}

/** Numbered lines for a question: "1. 微信公众号\n2. 微博". */
export function formatOptions(options: ChoiceOption[]): string {
  return options.map((o, i) => `${i + 1}. ${o.label}`).join('\n');
}
