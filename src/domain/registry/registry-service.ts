import { In, type EntityManager } from 'typeorm';
import { AccountEntity, type AccountRow } from './account-entity';
import { FilingEntity, type FilingRow } from './filing-entity';
import {
  PLATFORM_TYPES,
  type ChangeableField,
  type FilingReviewStatus,
  type PlatformType,
} from './vocabulary';

/** Read-only queries on the registry. Every function takes the caller's manager (transaction or not). */

/** One field of a change filing (变更): the value before and after, with the field's Chinese label. */
export interface FilingChange {
  field: ChangeableField;
  label: string;
  old: string | null;
  /** null: the field is cleared */
  new: string | null;
}

const PLATFORM_ORDER = new Map<string, number>(PLATFORM_TYPES.map((t, i) => [t, i]));

/**
 * The accounts of the given units, as filer (填报单位) or owner (开办单位): ordered by unit, platform (in the
 * vocabulary's order), name. Suspended and cancelled accounts are included; their runStatus tells.
 */
export async function listUnitAccounts(manager: EntityManager, unitIds: number[]): Promise<AccountRow[]> {
  if (unitIds.length === 0) return [];
  const rows = await manager
    .getRepository(AccountEntity)
    .find({ where: [{ filerUnitId: In(unitIds) }, { ownerUnitId: In(unitIds) }] });
  const unitOrder = new Map(unitIds.map((id, i) => [id, i]));
  const unitRank = (a: AccountRow): number =>
    unitOrder.get(a.filerUnitId) ?? (a.ownerUnitId !== null ? unitOrder.get(a.ownerUnitId) : undefined) ?? unitIds.length;
  return rows.sort(
    (a, b) =>
      unitRank(a) - unitRank(b) ||
      a.filerUnitId - b.filerUnitId ||
      (PLATFORM_ORDER.get(a.platformType) ?? 99) - (PLATFORM_ORDER.get(b.platformType) ?? 99) ||
      a.name.localeCompare(b.name, 'zh-Hans-CN') ||
      a.id - b.id,
  );
}

export async function findAccount(manager: EntityManager, id: number): Promise<AccountRow | null> {
  return manager.getRepository(AccountEntity).findOne({ where: { id } });
}

/**
 * Active accounts of a unit (as 开办单位) on a platform, oldest first: what the one-account-per-platform rule (R3)
 * counts. For `other`, pass the subtype: 视频号 and 小红书 are different platforms.
 */
export async function activeAccountsOnPlatform(
  manager: EntityManager,
  unitId: number,
  platformType: PlatformType,
  platformSubtype?: string | null,
): Promise<AccountRow[]> {
  const rows = await manager
    .getRepository(AccountEntity)
    .find({ where: { ownerUnitId: unitId, platformType, runStatus: 'active' }, order: { id: 'ASC' } });
  return filterOtherSubtype(rows, platformType, platformSubtype);
}

/** Like activeAccountsOnPlatform, for an owner that is not a unit of the roster (a 事业单位), by its name. */
export async function activeAccountsOfOwnerName(
  manager: EntityManager,
  ownerUnitName: string,
  platformType: PlatformType,
  platformSubtype?: string | null,
): Promise<AccountRow[]> {
  const rows = await manager
    .getRepository(AccountEntity)
    .find({ where: { ownerUnitName, platformType, runStatus: 'active' }, order: { id: 'ASC' } });
  return filterOtherSubtype(rows, platformType, platformSubtype);
}

function filterOtherSubtype(rows: AccountRow[], platformType: PlatformType, subtype: string | null | undefined): AccountRow[] {
  if (platformType !== 'other' || subtype === undefined) return rows;
  const wanted = (subtype ?? '').trim();
  return rows.filter((r) => (r.platformSubtype ?? '').trim() === wanted);
}

export interface FilingQuery {
  /** filings of these units (填报单位); an empty list finds nothing */
  unitIds?: number[];
  filerUserId?: string;
  reviewStatus?: FilingReviewStatus | FilingReviewStatus[];
  /** default 50 */
  limit?: number;
}

/** Filings, newest first (by submission). */
export async function listFilings(manager: EntityManager, query: FilingQuery = {}): Promise<FilingRow[]> {
  if (query.unitIds && query.unitIds.length === 0) return [];
  const qb = manager.getRepository(FilingEntity).createQueryBuilder('f');
  if (query.unitIds) qb.andWhere('f.filerUnitId IN (:...unitIds)', { unitIds: query.unitIds });
  if (query.filerUserId !== undefined) qb.andWhere('f.filerUserId = :filerUserId', { filerUserId: query.filerUserId });
  if (query.reviewStatus !== undefined) {
    const statuses = Array.isArray(query.reviewStatus) ? query.reviewStatus : [query.reviewStatus];
    if (statuses.length === 0) return [];
    qb.andWhere('f.reviewStatus IN (:...statuses)', { statuses });
  }
  return qb
    .orderBy('f.submittedAt', 'DESC')
    .addOrderBy('f.id', 'DESC')
    .take(query.limit ?? 50)
    .getMany();
}

export async function findFilingByNo(manager: EntityManager, filingNo: string): Promise<FilingRow | null> {
  const wanted = filingNo.normalize('NFKC').trim().toUpperCase();
  if (wanted === '') return null;
  return manager.getRepository(FilingEntity).findOne({ where: { filingNo: wanted } });
}

export async function findFiling(manager: EntityManager, id: number): Promise<FilingRow | null> {
  return manager.getRepository(FilingEntity).findOne({ where: { id } });
}

/** Every filing waiting for review, oldest first (the review queue). */
export async function listPendingFilings(manager: EntityManager): Promise<FilingRow[]> {
  return manager
    .getRepository(FilingEntity)
    .find({ where: { reviewStatus: 'pending' }, order: { submittedAt: 'ASC', id: 'ASC' } });
}

/** The filing of an account waiting for review, if any (there is at most one). */
export async function pendingFilingForAccount(manager: EntityManager, accountId: number): Promise<FilingRow | null> {
  return manager
    .getRepository(FilingEntity)
    .findOne({ where: { accountId, reviewStatus: 'pending' }, order: { id: 'ASC' } });
}

/** The changes of a 变更 filing (empty for the other types). */
export function filingChanges(filing: Pick<FilingRow, 'changes'>): FilingChange[] {
  if (!filing.changes) return [];
  const parsed = JSON.parse(filing.changes) as unknown;
  return Array.isArray(parsed) ? (parsed as FilingChange[]) : [];
}
