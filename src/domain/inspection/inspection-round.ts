import type { EntityManager } from 'typeorm';
import { InspectionRoundEntity, type InspectionRoundRow } from './finding-entity';

/**
 * Inspection rounds (检查轮次, DOMAIN §2.6): found by title, created on the first import. The period is `2026Q3` for a
 * quarter or `2026-08` for a month; it orders the rounds (the previous round decides what repeats).
 */

const CHINESE_QUARTER: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, '1': 1, '2': 2, '3': 3, '4': 4 };

/** The period a round title names (2026年第三季度 → 2026Q3, 2026年8月 → 2026-08, 2026Q3 → 2026Q3), or null. */
export function periodFromTitle(title: string): string | null {
  const text = title.normalize('NFKC').replace(/\s+/g, '');
  const quarter = /(\d{4})年?(?:第)?([一二三四1-4])季度/.exec(text) ?? /(\d{4})[-_]?[Qq]([1-4])/.exec(text);
  if (quarter) return `${quarter[1]}Q${CHINESE_QUARTER[quarter[2]]}`;
  const month = /(\d{4})年(\d{1,2})月/.exec(text) ?? /^(\d{4})-(\d{1,2})$/.exec(text);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) return `${month[1]}-${month[2].padStart(2, '0')}`;
  return null;
}

/** A period as written on the command line or in chat, checked: 2026Q3, 2026-08 (or null when it is neither). */
export function parsePeriod(raw: string): string | null {
  const text = raw.normalize('NFKC').trim();
  const quarter = /^(\d{4})[-_]?[Qq]([1-4])$/.exec(text);
  if (quarter) return `${quarter[1]}Q${quarter[2]}`;
  const month = /^(\d{4})-(\d{1,2})$/.exec(text);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) return `${month[1]}-${month[2].padStart(2, '0')}`;
  return periodFromTitle(text);
}

/** The last day of a period (YYYY-MM-DD), which orders rounds: a month of a quarter comes before the quarter. */
export function periodEnd(period: string): string {
  const quarter = /^(\d{4})Q([1-4])$/.exec(period);
  if (quarter) return `${quarter[1]}-${String(Number(quarter[2]) * 3).padStart(2, '0')}-31`;
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  if (month) return `${month[1]}-${month[2]}-31`;
  return period;
}

export function cleanRoundTitle(title: string): string {
  return title.replace(/[\s\u3000]+/g, ' ').trim();
}

export async function findRound(manager: EntityManager, title: string): Promise<InspectionRoundRow | null> {
  return manager.getRepository(InspectionRoundEntity).findOne({ where: { title: cleanRoundTitle(title) } });
}

/** Every round, latest period first. */
export async function listRounds(manager: EntityManager): Promise<InspectionRoundRow[]> {
  const rounds = await manager.getRepository(InspectionRoundEntity).find();
  return rounds.sort((a, b) => periodEnd(b.period).localeCompare(periodEnd(a.period)) || b.id - a.id);
}

/** The round before this one by period (its findings decide what repeats), or null. */
export async function previousRound(manager: EntityManager, round: { id?: number; period: string }): Promise<InspectionRoundRow | null> {
  const end = periodEnd(round.period);
  const earlier = (await listRounds(manager)).filter((r) => r.id !== round.id && periodEnd(r.period) < end);
  return earlier[0] ?? null;
}
