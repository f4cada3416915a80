import type { EntityManager } from 'typeorm';
import { AuditEntity } from '../audit/audit-entity';
import { AccountEntity, type AccountRow } from '../registry/account-entity';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import { FindingEntity, InspectionQueueEntity, InspectionRoundEntity, type FindingRow, type InspectionQueueRow, type InspectionRoundRow } from './finding-entity';
import { parseCandidates, unregisteredSourceKey } from './inspection-import';
import type { MatchCandidate } from './inspection-matcher';
import { formatKey, PlaceRule, placeNamesFrom } from './inspection-normalize';
import { previousRound } from './inspection-round';
import { SEVERITY_RANK, type ProblemVocabulary } from './problem-vocabulary';

/**
 * The 待确认 queue: rows of an inspection table that were not applied. An admin decides each once — by chat or by
 * CLI — and every decision writes an audit row:
 *
 * - resolve: the row is this registered account → a finding with matchConfidence 'manual';
 * - unregistered: the account was never filed → a finding without account for the unit, with UNREGISTERED_ACCOUNT
 *   added to its problems; it counts as a failure (the unit must file it, or close it) whatever the table said;
 * - dismiss: not an account of ours (or a mistake in the table) → nothing is created.
 *
 * The decision is a compare-and-swap on status 'pending', so two admins deciding the same entry at the same time
 * cannot both succeed: the second is told who decided first.
 */

export interface QueueEntryView {
  entry: InspectionQueueRow;
  round: InspectionRoundRow;
  candidates: Array<MatchCandidate & { account: AccountRow | null; filerUnitName: string | null }>;
}

export async function listQueue(
  manager: EntityManager,
  filter: { roundId?: number; status?: InspectionQueueRow['status'] | 'all' } = {},
): Promise<QueueEntryView[]> {
  const where: { roundId?: number; status?: InspectionQueueRow['status'] } = {};
  if (filter.roundId !== undefined) where.roundId = filter.roundId;
  if (filter.status !== 'all') where.status = filter.status ?? 'pending';
  const entries = await manager.getRepository(InspectionQueueEntity).find({ where, order: { id: 'ASC' } });
  return viewEntries(manager, entries);
}

export async function getQueueEntry(manager: EntityManager, id: number): Promise<QueueEntryView | null> {
  const entry = await manager.getRepository(InspectionQueueEntity).findOne({ where: { id } });
  return entry ? (await viewEntries(manager, [entry]))[0] : null;
}

async function viewEntries(manager: EntityManager, entries: InspectionQueueRow[]): Promise<QueueEntryView[]> {
  if (entries.length === 0) return [];
  const rounds = new Map((await manager.getRepository(InspectionRoundEntity).find()).map((r) => [r.id, r]));
  const ids = [...new Set(entries.flatMap((e) => parseCandidates(e.candidates).map((c) => c.accountId)))];
  const accounts = new Map<number, AccountRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const a of await manager.getRepository(AccountEntity).createQueryBuilder('a').where('a.id IN (:...ids)', { ids: chunk }).getMany()) accounts.set(a.id, a);
  }
  const units = new Map((await manager.getRepository(UnitEntity).find()).map((u) => [u.id, u]));
  return entries.map((entry) => ({
    entry,
    round: rounds.get(entry.roundId)!,
    candidates: parseCandidates(entry.candidates).map((c) => {
      const account = accounts.get(c.accountId) ?? null;
      return { ...c, account, filerUnitName: account ? (units.get(account.filerUnitId)?.name ?? null) : null };
    }),
  }));
}

export type QueueDecisionResult =
  | { ok: true; entry: InspectionQueueRow; finding: FindingRow | null }
  | { ok: false; code: 'not-found' }
  | { ok: false; code: 'already-decided'; entry: InspectionQueueRow }
  | { ok: false; code: 'account-not-found'; accountId: number }
  | { ok: false; code: 'finding-exists'; finding: FindingRow; account: AccountRow }
  | { ok: false; code: 'unit-needed'; entry: InspectionQueueRow }
  | { ok: false; code: 'unit-not-found'; unitName: string };

interface DecisionParams {
  entryId: number;
  /** who decides: a WeCom userid, or cli:<user> */
  actor: string;
  now: Date;
}

/** The entry is this registered account: a finding with matchConfidence 'manual'. */
export async function resolveQueueEntry(
  manager: EntityManager,
  params: DecisionParams & { accountId: number },
): Promise<QueueDecisionResult> {
  const entry = await manager.getRepository(InspectionQueueEntity).findOne({ where: { id: params.entryId } });
  if (!entry) return { ok: false, code: 'not-found' };
  if (entry.status !== 'pending') return { ok: false, code: 'already-decided', entry };
  const account = await manager.getRepository(AccountEntity).findOne({ where: { id: params.accountId } });
  if (!account) return { ok: false, code: 'account-not-found', accountId: params.accountId };
  const sourceKey = `account:${account.id}`;
  const existing = await manager.getRepository(FindingEntity).findOne({ where: { roundId: entry.roundId, sourceKey } });
  if (existing) return { ok: false, code: 'finding-exists', finding: existing, account };
  const round = (await manager.getRepository(InspectionRoundEntity).findOne({ where: { id: entry.roundId } }))!;
  const isRepeat = !entry.qualified && (await failedBefore(manager, round, account.id, entry.problemCodes));
  const finding: Omit<FindingRow, 'id'> = {
    ...findingFromEntry(entry, params.now),
    unitId: account.filerUnitId,
    accountId: account.id,
    matchConfidence: 'manual',
    isRepeat,
    sourceKey,
  };
  return decide(manager, entry, params, 'resolved', finding, { accountId: account.id, accountName: account.name });
}

/**
 * The account was never filed: a finding without account for the unit (the unit given, else the roster unit the
 * 开设单位 named), UNREGISTERED_ACCOUNT added to its problems, counted as a failure.
 */
export async function markUnregistered(
  manager: EntityManager,
  params: DecisionParams & { unitName?: string | null; vocabulary: ProblemVocabulary },
): Promise<QueueDecisionResult> {
  const entry = await manager.getRepository(InspectionQueueEntity).findOne({ where: { id: params.entryId } });
  if (!entry) return { ok: false, code: 'not-found' };
  if (entry.status !== 'pending') return { ok: false, code: 'already-decided', entry };
  let unit: UnitRow | null = null;
  if (params.unitName && params.unitName.trim() !== '') {
    unit = await findUnitByName(manager, params.unitName);
    if (!unit) return { ok: false, code: 'unit-not-found', unitName: params.unitName.trim() };
  } else if (entry.unitId !== null) {
    unit = await manager.getRepository(UnitEntity).findOne({ where: { id: entry.unitId } });
  }
  if (!unit) return { ok: false, code: 'unit-needed', entry };
  const codes = (entry.problemCodes ?? '').split(',').filter((c) => c !== '');
  if (!codes.includes('UNREGISTERED_ACCOUNT')) codes.push('UNREGISTERED_ACCOUNT');
  const added = params.vocabulary.get('UNREGISTERED_ACCOUNT')?.severity ?? 'advisory';
  const severity = entry.severity && SEVERITY_RANK[entry.severity] >= SEVERITY_RANK[added] ? entry.severity : added;
  const label = params.vocabulary.label('UNREGISTERED_ACCOUNT');
  const finding: Omit<FindingRow, 'id'> = {
    ...findingFromEntry(entry, params.now),
    unitId: unit.id,
    accountId: null,
    qualified: false,
    status: 'open',
    matchConfidence: 'none',
    problemsRaw: entry.problemsRaw ? `${entry.problemsRaw}、${label}` : label,
    problemCodes: codes.join(',').slice(0, 255),
    severity,
    isRepeat: false,
    sourceKey: unregisteredSourceKey(entry.sourceKey),
  };
  return decide(manager, entry, params, 'resolved', finding, { unregistered: true, unitId: unit.id, unitName: unit.name });
}

/** Not an account to record (a mistake in the table, an account of another district …): nothing is created. */
export async function dismissQueueEntry(manager: EntityManager, params: DecisionParams & { reason?: string | null }): Promise<QueueDecisionResult> {
  const entry = await manager.getRepository(InspectionQueueEntity).findOne({ where: { id: params.entryId } });
  if (!entry) return { ok: false, code: 'not-found' };
  if (entry.status !== 'pending') return { ok: false, code: 'already-decided', entry };
  return decide(manager, entry, params, 'dismissed', null, { reason: params.reason?.trim() || null });
}

async function decide(
  manager: EntityManager,
  entry: InspectionQueueRow,
  params: DecisionParams,
  status: 'resolved' | 'dismissed',
  finding: Omit<FindingRow, 'id'> | null,
  detail: Record<string, unknown>,
): Promise<QueueDecisionResult> {
  const actor = params.actor.slice(0, 128);
  const claimed = await manager
    .createQueryBuilder()
    .update(InspectionQueueEntity)
    .set({ status, resolvedBy: actor, resolvedAt: params.now })
    .where('id = :id AND status = :pending', { id: entry.id, pending: 'pending' })
    .execute();
  if (!claimed.affected) {
    // another admin decided first; on MySQL a plain read would still see this transaction's snapshot, so a locking
    // read (FOR UPDATE, which MariaDB knows too) gets the committed row
    const query = manager.getRepository(InspectionQueueEntity).createQueryBuilder('q').where('q.id = :id', { id: entry.id });
    if (manager.connection.options.type !== 'better-sqlite3') query.setLock('pessimistic_write');
    return { ok: false, code: 'already-decided', entry: (await query.getOne())! };
  }
  let created: FindingRow | null = null;
  if (finding) {
    const result = await manager.getRepository(FindingEntity).insert(finding);
    created = { ...finding, id: Number(result.identifiers[0].id) };
    await manager.getRepository(InspectionQueueEntity).update({ id: entry.id }, { findingId: created.id });
  }
  await manager.getRepository(AuditEntity).insert({
    actor,
    action: status === 'dismissed' ? 'inspection.queue.dismiss' : finding?.accountId === null ? 'inspection.queue.unregistered' : 'inspection.queue.resolve',
    subject: `queue:${entry.id}`,
    detail: JSON.stringify({ roundId: entry.roundId, row: entry.rowNo, name: entry.accountNameRaw, findingId: created?.id ?? null, ...detail }),
    at: params.now,
  });
  const after: InspectionQueueRow = { ...entry, status, resolvedBy: actor, resolvedAt: params.now, findingId: created?.id ?? null };
  return { ok: true, entry: after, finding: created };
}

function findingFromEntry(entry: InspectionQueueRow, now: Date): Omit<FindingRow, 'id' | 'unitId' | 'accountId' | 'matchConfidence' | 'sourceKey' | 'isRepeat'> {
  return {
    roundId: entry.roundId,
    qualified: Boolean(entry.qualified),
    rowNo: entry.rowNo,
    accountNameRaw: entry.accountNameRaw,
    platformTypeRaw: entry.platformTypeRaw,
    unitNameRaw: entry.unitNameRaw,
    problemsRaw: entry.problemsRaw,
    problemCodes: entry.problemCodes,
    severity: entry.severity,
    status: entry.qualified ? 'passed' : 'open',
    dispatchedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

async function failedBefore(manager: EntityManager, round: InspectionRoundRow, accountId: number, problemCodes: string | null): Promise<boolean> {
  const codes = (problemCodes ?? '').split(',').filter((c) => c !== '' && c !== 'OTHER');
  if (codes.length === 0) return false;
  const previous = await previousRound(manager, round);
  if (!previous) return false;
  const earlier = await manager.getRepository(FindingEntity).find({ where: { roundId: previous.id, accountId, qualified: false } });
  return earlier.some((f) => (f.problemCodes ?? '').split(',').some((c) => codes.includes(c)));
}

/** A roster unit by full name, short name, or full name without the place suffix. */
export async function findUnitByName(manager: EntityManager, name: string): Promise<UnitRow | null> {
  const units = await manager.getRepository(UnitEntity).find({ order: { id: 'ASC' } });
  const rule = new PlaceRule(placeNamesFrom(units.flatMap((u) => [u.name, u.parentName])));
  const wanted = formatKey(name);
  return (
    units.find((u) => formatKey(u.name) === wanted) ??
    units.find((u) => u.shortName !== null && formatKey(u.shortName) === wanted) ??
    units.find((u) => rule.key(u.name) === rule.key(name)) ??
    null
  );
}
