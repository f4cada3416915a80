import { resolvePlatform, type PlatformType } from '../registry/vocabulary';

/**
 * How an inspection table's (账号名称, 账号类型, 开设单位) is compared with the registry (DOMAIN §3.3):
 *
 * - `cleanName`: what "exact" means — the cell trimmed, zero-width characters dropped.
 * - `formatKey`: formatting only — NFKC (full-width → half-width, （） → ()), every space and line break removed
 *   (S4 tables carry line-break artefacts such as "临沂高速交警支队 沂水大队"), lower case. Equal keys: 'normalized'.
 * - `placeKey`: formatKey with the 区/县/市 right after a place name dropped (东岚区政务服务 → 东岚政务服务). The place
 *   names come from the roster: the leading "<2–3 characters>区|县|市" of every unit name and parent name
 *   (东岚区人民政府办公室 → 东岚区, 澜川市…局 → 澜川市). Only a full place name loses its suffix, so 东岚市场监管 stays
 *   as it is while 东岚区市场监管 becomes 东岚市场监管. Equal placeKeys change the meaning of the name a little: such
 *   a match is 'fuzzy' (see inspection-matcher.ts for when it is applied without asking).
 */

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

export function cleanName(value: string): string {
  return value.replace(ZERO_WIDTH, '').replace(/[\s\u00A0\u3000]+/g, ' ').trim();
}

export function formatKey(value: string): string {
  return value.normalize('NFKC').replace(ZERO_WIDTH, '').replace(/\s+/g, '').toLowerCase();
}

/** The place names (东岚区, 澜川市 …) the roster's unit names start with. */
export function placeNamesFrom(names: Iterable<string | null | undefined>): string[] {
  const found = new Set<string>();
  for (const name of names) {
    if (!name) continue;
    const m = /^([\u4e00-\u9fff]{2,3}?[区县市])/.exec(formatKey(name));
    if (m) found.add(m[1]);
  }
  // longest first, so 澜川市东岚区 style prefixes are handled by their longest known part
  return [...found].sort((a, b) => b.length - a.length);
}

/** Drops the 区/县/市 of every known place name in a formatKey'd text. */
export class PlaceRule {
  private readonly pattern: RegExp | null;
  private readonly known: Set<string>;

  constructor(readonly placeNames: readonly string[]) {
    this.pattern = placeNames.length
      ? new RegExp(`(${placeNames.map((p) => escapeRegExp(p.slice(0, -1))).join('|')})[区县市]`, 'g')
      : null;
    this.known = new Set(placeNames);
  }

  key(value: string): string {
    const formatted = formatKey(value);
    if (!this.pattern) return formatted;
    return formatted.replace(this.pattern, (whole: string, place: string) => (this.known.has(whole) ? place : whole));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One platform a 账号类型 cell names. */
export interface PlatformLabel {
  /** the piece of the cell as written (抖音 of 抖音、快手) */
  label: string;
  type: PlatformType;
  /** 服务号, 订阅号, 新浪微博, 视频号 …; null when the label names only the type (微信公众号, 抖音) */
  subtype: string | null;
}

/**
 * The platforms a 账号类型 cell names: one (微信服务号), or several (抖音、快手 → two). The whole cell is tried first,
 * so 移动客户端（APP） or 微信/服务号 style labels that the vocabulary knows stay one. `unknown` lists pieces that name
 * no platform.
 */
export function splitPlatformLabel(raw: string): { platforms: PlatformLabel[]; unknown: string[] } {
  const text = cleanName(raw);
  if (text === '') return { platforms: [], unknown: [] };
  const whole = resolvePlatform(text);
  if (whole) return { platforms: [{ label: text, ...whole }], unknown: [] };
  const pieces = text
    .split(/[、,，;；/／\s]+|和|及|与/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const platforms: PlatformLabel[] = [];
  const unknown: string[] = [];
  for (const piece of pieces) {
    const found = resolvePlatform(piece);
    if (found) {
      if (!platforms.some((p) => p.type === found.type && p.subtype === found.subtype)) platforms.push({ label: piece, ...found });
    } else {
      unknown.push(piece);
    }
  }
  return { platforms, unknown };
}

/** Subtypes compared loosely: 微信公众号 (no subtype) fits 订阅号 and 服务号; a written subtype must agree. */
export function subtypeFits(written: string | null, registered: string | null): boolean {
  if (!written || !registered) return true;
  return formatKey(written) === formatKey(registered);
}

/** 1 for equal texts, 0 for nothing in common: 1 − edit distance / longer length, by character. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const x = [...a];
  const y = [...b];
  if (x.length === 0 || y.length === 0) return 0;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return 1 - previous[y.length] / Math.max(x.length, y.length);
}
