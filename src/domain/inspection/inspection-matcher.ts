import type { AccountRow } from '../registry/account-entity';
import type { UnitRow } from '../roster/roster-entities';
import type { MatchConfidence, QueueReason } from './finding-entity';
import { PlaceRule, cleanName, formatKey, placeNamesFrom, similarity, subtypeFits, type PlatformLabel } from './inspection-normalize';

/**
 * Matching one (账号名称, platform, 开设单位) of an inspection table to a registered account, in memory (the registry
 * and the roster are loaded once per import).
 *
 * A registered account "fits the row" when its platform type is the row's (a written subtype must agree: 微信服务号
 * does not fit an 订阅号; 微信公众号 fits both) and its unit is the row's: the 开设单位 equals the account's 开办单位
 * (ownerUnitName, after formatting), or names a roster unit (full or short name) that is the account's 开办单位 or
 * 填报单位. Then, in order:
 *
 * 1. exact — the name as registered (trimmed);
 * 2. normalized — equal after formatting only (spaces, line breaks, full-width forms, case);
 * 3. fuzzy — equal after dropping the 区/县/市 of a place name (东岚区政务服务 → 东岚政务服务), or similar names
 *    (similarity ≥ 0.75, see `similarity`).
 *
 * Confidence rule: an equal placeKey is applied without asking when exactly one fitting account has it (a rule,
 * not a guess: only the district's own 区/县/市 differs). A merely similar name is applied without asking only when
 * the account fits platform and unit, its similarity is ≥ 0.75, and every other account of that unit and platform
 * is below 0.75 and at least 0.15 less similar. Everything else waits for an admin: several fitting accounts at the same
 * level → 'ambiguous'; only similar names (other platform, other unit, or a low similarity) → 'fuzzy' with the
 * candidates best first; nothing similar → 'unregistered', or 'unknownUnit' when the 开设单位 is not a roster unit
 * nor the 开办单位 of any account; a type label that names no platform → 'unknownType'.
 */

export const AUTO_FUZZY_SIMILARITY = 0.75;
export const CANDIDATE_SIMILARITY = 0.5;
/** how much better than any other account of the unit and platform a similar name must be to be applied */
export const FUZZY_MARGIN = 0.15;
const MAX_CANDIDATES = 5;

export interface MatchCandidate {
  accountId: number;
  /** 0–1: name similarity, plus what else agrees */
  score: number;
}

export type MatchOutcome =
  | { kind: 'match'; account: AccountRow; confidence: Exclude<MatchConfidence, 'manual' | 'none'> }
  | { kind: 'queue'; reason: QueueReason; candidates: MatchCandidate[]; unitId: number | null };

export class AccountMatcher {
  readonly placeRule: PlaceRule;
  private readonly unitsByName = new Map<string, UnitRow>();
  private readonly ownerNames = new Set<string>();
  private readonly byPlaceKey = new Map<string, AccountRow[]>();
  private readonly byUnit = new Map<number, AccountRow[]>();
  private readonly byOwnerName = new Map<string, AccountRow[]>();
  private readonly accountPlaceKey = new Map<number, string>();
  readonly accounts = new Map<number, AccountRow>();
  readonly units = new Map<number, UnitRow>();

  constructor(accounts: readonly AccountRow[], units: readonly UnitRow[]) {
    this.placeRule = new PlaceRule(placeNamesFrom(units.flatMap((u) => [u.name, u.parentName])));
    for (const unit of units) {
      this.units.set(unit.id, unit);
      this.unitsByName.set(formatKey(unit.name), unit);
      this.unitsByName.set(this.placeRule.key(unit.name), unit);
    }
    // short names only where they do not shadow a full name
    for (const unit of units) {
      if (!unit.shortName) continue;
      const key = formatKey(unit.shortName);
      if (!this.unitsByName.has(key)) this.unitsByName.set(key, unit);
    }
    for (const account of accounts) {
      this.accounts.set(account.id, account);
      const placeKey = this.placeRule.key(account.name);
      this.accountPlaceKey.set(account.id, placeKey);
      push(this.byPlaceKey, placeKey, account);
      push(this.byUnit, account.filerUnitId, account);
      if (account.ownerUnitId !== null && account.ownerUnitId !== account.filerUnitId) push(this.byUnit, account.ownerUnitId, account);
      const owner = this.placeRule.key(account.ownerUnitName);
      this.ownerNames.add(owner);
      push(this.byOwnerName, owner, account);
    }
  }

  /** The roster unit a 开设单位 names (full name, full name without the place suffix, or short name), or null. */
  findUnit(unitName: string): UnitRow | null {
    return this.unitsByName.get(formatKey(unitName)) ?? this.unitsByName.get(this.placeRule.key(unitName)) ?? null;
  }

  match(name: string, platform: PlatformLabel | null, unitName: string): MatchOutcome {
    const unit = this.findUnit(unitName);
    const ownerKey = this.placeRule.key(unitName);
    const unitKnown = unit !== null || this.ownerNames.has(ownerKey);
    const unitFits = (a: AccountRow): boolean =>
      this.placeRule.key(a.ownerUnitName) === ownerKey ||
      (unit !== null && (a.ownerUnitId === unit.id || a.filerUnitId === unit.id));
    const platformFits = (a: AccountRow): boolean =>
      platform !== null && a.platformType === platform.type && subtypeFits(platform.subtype, a.platformSubtype);
    const placeKey = this.placeRule.key(name);
    const sameName = this.byPlaceKey.get(placeKey) ?? [];
    const fitting = sameName.filter((a) => unitFits(a) && platformFits(a));
    const unitId = unit?.id ?? null;

    if (platform === null) {
      const candidates = this.candidates(placeKey, sameName, unit, ownerKey, () => false, unitFits);
      return { kind: 'queue', reason: 'unknownType', candidates, unitId };
    }

    const cleaned = cleanName(name);
    const formatted = formatKey(name);
    for (const [level, test] of [
      ['exact', (a: AccountRow) => cleanName(a.name) === cleaned],
      ['normalized', (a: AccountRow) => formatKey(a.name) === formatted],
      ['fuzzy', () => true],
    ] as const) {
      const hits = narrowBySubtype(fitting.filter(test), platform);
      if (hits.length === 1) return { kind: 'match', account: hits[0], confidence: level };
      if (hits.length > 1) {
        return { kind: 'queue', reason: 'ambiguous', candidates: hits.map((a) => ({ accountId: a.id, score: 1 })), unitId };
      }
    }

    const candidates = this.candidates(placeKey, sameName, unit, ownerKey, platformFits, unitFits);
    const best = candidates[0];
    if (best) {
      const account = this.accounts.get(best.accountId)!;
      const nameScore = similarity(placeKey, this.accountPlaceKey.get(account.id)!);
      const rival = this.bestRival(placeKey, account, unit, ownerKey, platformFits, unitFits);
      if (nameScore >= AUTO_FUZZY_SIMILARITY && unitFits(account) && platformFits(account) && rival < AUTO_FUZZY_SIMILARITY && nameScore - rival >= FUZZY_MARGIN) {
        return { kind: 'match', account, confidence: 'fuzzy' };
      }
      return { kind: 'queue', reason: 'fuzzy', candidates, unitId };
    }
    return { kind: 'queue', reason: unitKnown ? 'unregistered' : 'unknownUnit', candidates: [], unitId };
  }

  /** The highest name similarity among the other accounts of the unit and platform (0 when there are none). */
  private bestRival(
    placeKey: string,
    chosen: AccountRow,
    unit: UnitRow | null,
    ownerKey: string,
    platformFits: (a: AccountRow) => boolean,
    unitFits: (a: AccountRow) => boolean,
  ): number {
    let best = 0;
    for (const a of this.unitAccounts(unit, ownerKey)) {
      if (a.id === chosen.id || !platformFits(a) || !unitFits(a)) continue;
      best = Math.max(best, similarity(placeKey, this.accountPlaceKey.get(a.id)!));
    }
    return best;
  }

  private unitAccounts(unit: UnitRow | null, ownerKey: string): AccountRow[] {
    const list = [...(unit ? (this.byUnit.get(unit.id) ?? []) : []), ...(this.byOwnerName.get(ownerKey) ?? [])];
    return [...new Map(list.map((a) => [a.id, a])).values()];
  }

  /**
   * Accounts an admin might mean, best first: the same name on any platform or unit, and similar names within the
   * unit. The score is the name similarity, +0.2 when the platform fits and +0.2 when the unit fits, scaled to 0–1.
   */
  private candidates(
    placeKey: string,
    sameName: AccountRow[],
    unit: UnitRow | null,
    ownerKey: string,
    platformFits: (a: AccountRow) => boolean,
    unitFits: (a: AccountRow) => boolean,
  ): MatchCandidate[] {
    const pool = new Map<number, AccountRow>();
    for (const a of sameName) pool.set(a.id, a);
    for (const a of this.unitAccounts(unit, ownerKey)) pool.set(a.id, a);
    const scored: MatchCandidate[] = [];
    for (const a of pool.values()) {
      const nameScore = similarity(placeKey, this.accountPlaceKey.get(a.id)!);
      if (nameScore < CANDIDATE_SIMILARITY) continue;
      const score = (nameScore + (platformFits(a) ? 0.2 : 0) + (unitFits(a) ? 0.2 : 0)) / 1.4;
      scored.push({ accountId: a.id, score: Math.round(score * 100) / 100 });
    }
    return scored.sort((x, y) => y.score - x.score || x.accountId - y.accountId).slice(0, MAX_CANDIDATES);
  }
}

/** Several hits on one platform: those whose subtype is the written one, when that leaves any. */
function narrowBySubtype(hits: AccountRow[], platform: PlatformLabel): AccountRow[] {
  if (hits.length <= 1 || !platform.subtype) return hits;
  const exact = hits.filter((a) => a.platformSubtype !== null && formatKey(a.platformSubtype) === formatKey(platform.subtype!));
  return exact.length > 0 ? exact : hits;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
