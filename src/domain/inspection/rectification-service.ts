import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { DeadlineEntity, DeadlineTargetEntity, type DeadlineRow, type TargetStatus } from '../deadlines/deadline-entities';
import { markTargetMet, reopenTarget, type DeadlineRules } from '../deadlines/deadline-service';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import {
  FindingEntity,
  InspectionRoundEntity,
  RectificationEntity,
  TO_RECTIFY_STATUSES,
  type FindingRow,
  type FindingStatus,
  type InspectionRoundRow,
  type RectificationMeasure,
  type RectificationRow,
} from './finding-entity';

/**
 * 整改情况 (DOMAIN §2.8, §3.3 steps 6–7): a liaison reports on a finding of their unit, the office accepts or returns
 * the report. Reports are append-only: a returned report stays, the next one is a new row. The round's rectification
 * deadline follows the unit: met when every failing finding of the unit is reported (submitted or accepted), pending
 * again when one is returned.
 */

export const DESCRIPTION_MIN_CHARS = 5;
export const DESCRIPTION_MAX_CHARS = 500;

export interface Reporter {
  userId: string;
  name: string;
  /** the units the person is liaison of */
  liaisonUnitIds: number[];
}

export interface Reviewer {
  userId: string;
  name: string;
}

/** Findings the liaison has to report on: sent to the unit, still open or returned; newest round first. */
export async function findingsToRectify(manager: EntityManager, unitIds: number[]): Promise<FindingRow[]> {
  if (unitIds.length === 0) return [];
  return manager.getRepository(FindingEntity).find({
    where: { unitId: In(unitIds), qualified: false, status: In(TO_RECTIFY_STATUSES), dispatchedAt: Not(IsNull()) },
    order: { roundId: 'DESC', rowNo: 'ASC', id: 'ASC' },
  });
}

export async function findFinding(manager: EntityManager, id: number): Promise<FindingRow | null> {
  return manager.getRepository(FindingEntity).findOne({ where: { id } });
}

export async function findRectification(manager: EntityManager, id: number): Promise<RectificationRow | null> {
  return manager.getRepository(RectificationEntity).findOne({ where: { id } });
}

/** Every report on one finding, oldest first. */
export async function rectificationHistory(manager: EntityManager, findingId: number): Promise<RectificationRow[]> {
  return manager.getRepository(RectificationEntity).find({ where: { findingId }, order: { id: 'ASC' } });
}

/**
 * The 整改情况 that counts for each finding — what the office's table shows: the latest accepted report, else the
 * latest report (submitted or returned). Findings without a report are absent from the map.
 */
export async function currentRectifications(manager: EntityManager, findingIds: number[]): Promise<Map<number, RectificationRow>> {
  const result = new Map<number, RectificationRow>();
  for (let i = 0; i < findingIds.length; i += 1000) {
    const rows = await manager.getRepository(RectificationEntity).find({ where: { findingId: In(findingIds.slice(i, i + 1000)) }, order: { id: 'ASC' } });
    for (const row of rows) {
      const best = result.get(row.findingId);
      if (!best || best.result !== 'accepted' || row.result === 'accepted') result.set(row.findingId, row);
    }
  }
  return result;
}

export type SubmitRefusal = 'not-found' | 'not-yours' | 'not-dispatched' | 'already-submitted' | 'already-accepted' | 'description';

export type SubmitResult =
  | { ok: true; finding: FindingRow; rectification: RectificationRow; round: InspectionRoundRow; unitComplete: boolean }
  | { ok: false; code: SubmitRefusal; finding?: FindingRow };

/**
 * A liaison's 整改情况 on a finding of their unit, in the caller's transaction: the report row, the finding →
 * submitted (only from open or returned: a second submission at the same time loses), and the unit's deadline
 * target met once none of its failing findings of the round is left to report.
 */
export async function submitRectification(
  manager: EntityManager,
  input: { findingId: number; description: string; measure: RectificationMeasure | null; reporter: Reporter; now: Date },
): Promise<SubmitResult> {
  const finding = await findFinding(manager, input.findingId);
  if (!finding || finding.qualified || finding.status === 'passed') return { ok: false, code: 'not-found' };
  if (!input.reporter.liaisonUnitIds.includes(finding.unitId)) return { ok: false, code: 'not-yours', finding };
  if (!finding.dispatchedAt) return { ok: false, code: 'not-dispatched', finding };
  if (finding.status === 'submitted') return { ok: false, code: 'already-submitted', finding };
  if (finding.status === 'accepted') return { ok: false, code: 'already-accepted', finding };
  const description = input.description.trim();
  const length = [...description].length;
  if (length < DESCRIPTION_MIN_CHARS || length > DESCRIPTION_MAX_CHARS) return { ok: false, code: 'description', finding };
  const moved = await manager
    .createQueryBuilder()
    .update(FindingEntity)
    .set({ status: 'submitted', updatedAt: input.now })
    .where('id = :id AND status IN (:...from)', { id: finding.id, from: TO_RECTIFY_STATUSES })
    .execute();
  if (!moved.affected) return { ok: false, code: 'already-submitted', finding };
  const row: Omit<RectificationRow, 'id'> = {
    findingId: finding.id,
    description,
    measure: input.measure,
    filingId: null,
    submittedBy: input.reporter.userId.slice(0, 128),
    submittedByName: input.reporter.name.slice(0, 64),
    submittedAt: input.now,
    result: null,
    reviewedBy: null,
    reviewedByName: null,
    reviewedAt: null,
    reviewNote: null,
  };
  const inserted = await manager.getRepository(RectificationEntity).insert(row);
  const rectification = { ...row, id: Number(inserted.identifiers[0].id) } as RectificationRow;
  const round = await manager.getRepository(InspectionRoundEntity).findOneOrFail({ where: { id: finding.roundId } });
  const left = await manager.getRepository(FindingEntity).count({
    where: { roundId: finding.roundId, unitId: finding.unitId, qualified: false, status: In(TO_RECTIFY_STATUSES) },
  });
  if (left === 0 && round.rectificationDeadlineId) {
    await markTargetMet(manager, { deadlineId: round.rectificationDeadlineId, unitId: finding.unitId, by: `system:rectification:${rectification.id}`, now: input.now });
  }
  return { ok: true, finding: { ...finding, status: 'submitted', updatedAt: input.now }, rectification, round, unitComplete: left === 0 };
}

/** The 关停 / 注销 filing a report led to. */
export async function linkRectificationFiling(manager: EntityManager, rectificationId: number, filingId: number): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(RectificationEntity)
    .set({ filingId })
    .where('id = :id AND filing_id IS NULL', { id: rectificationId })
    .execute();
}

export type ReviewDecision = 'accept' | 'return';
export type ReviewRefusal = 'not-found' | 'not-submitted' | 'already-reviewed' | 'reason-required' | 'superseded';

export type ReviewResult =
  | { ok: true; finding: FindingRow; rectification: RectificationRow; round: InspectionRoundRow }
  /** already-reviewed carries the decided report (who, when, what) */
  | { ok: false; code: ReviewRefusal; finding?: FindingRow; rectification?: RectificationRow };

/**
 * The office decides a report: accepted (the finding is done) or returned with a reason (the finding is to rectify
 * again, the unit's deadline target pending again and its remaining reminders planned again). The report is named by
 * its id (a card) or by its finding (a command: the latest report). Two admins at once: the first wins, the second
 * is told who decided.
 */
export async function reviewRectification(
  manager: EntityManager,
  input: { rectificationId?: number; findingId?: number; decision: ReviewDecision; note?: string | null; reviewer: Reviewer; now: Date },
  rules?: DeadlineRules,
): Promise<ReviewResult> {
  let rectification: RectificationRow | null = null;
  if (input.rectificationId !== undefined) rectification = await findRectification(manager, input.rectificationId);
  else if (input.findingId !== undefined) {
    rectification = await manager.getRepository(RectificationEntity).findOne({ where: { findingId: input.findingId }, order: { id: 'DESC' } });
    if (!rectification) {
      const finding = await findFinding(manager, input.findingId);
      return { ok: false, code: finding && !finding.qualified ? 'not-submitted' : 'not-found', ...(finding ? { finding } : {}) };
    }
  }
  if (!rectification) return { ok: false, code: 'not-found' };
  const finding = await findFinding(manager, rectification.findingId);
  if (!finding) return { ok: false, code: 'not-found' };
  if (rectification.result) return { ok: false, code: 'already-reviewed', finding, rectification };
  const note = input.note?.trim() || null;
  if (input.decision === 'return' && (!note || [...note].length < 2)) return { ok: false, code: 'reason-required', finding, rectification };
  const result = input.decision === 'accept' ? 'accepted' : 'returned';
  const decided = await manager
    .createQueryBuilder()
    .update(RectificationEntity)
    .set({ result, reviewedBy: input.reviewer.userId.slice(0, 128), reviewedByName: input.reviewer.name.slice(0, 64), reviewedAt: input.now, reviewNote: note })
    .where('id = :id AND result IS NULL', { id: rectification.id })
    .execute();
  if (!decided.affected) {
    const now = await findRectification(manager, rectification.id);
    return { ok: false, code: 'already-reviewed', finding, ...(now ? { rectification: now } : {}) };
  }
  const status: FindingStatus = input.decision === 'accept' ? 'accepted' : 'returned';
  const moved = await manager
    .createQueryBuilder()
    .update(FindingEntity)
    .set({ status, updatedAt: input.now })
    .where('id = :id AND status = :submitted', { id: finding.id, submitted: 'submitted' })
    .execute();
  if (!moved.affected) throw new Error(`finding ${finding.id} is ${finding.status}, not submitted, while report ${rectification.id} waited for review`);
  const round = await manager.getRepository(InspectionRoundEntity).findOneOrFail({ where: { id: finding.roundId } });
  if (input.decision === 'return' && round.rectificationDeadlineId) {
    await reopenTarget(manager, { deadlineId: round.rectificationDeadlineId, unitId: finding.unitId, now: input.now }, rules);
  }
  return {
    ok: true,
    finding: { ...finding, status, updatedAt: input.now },
    rectification: { ...rectification, result, reviewedBy: input.reviewer.userId, reviewedByName: input.reviewer.name, reviewedAt: input.now, reviewNote: note },
    round,
  };
}

export interface UnitProgress {
  unit: UnitRow;
  findings: FindingRow[];
  /** failing findings of the round */
  failing: number;
  /** reported, waiting for the office */
  submitted: number;
  accepted: number;
  returned: number;
  /** not reported yet (sent, or not sent yet) */
  open: number;
  /** not sent to the unit yet (no reachable liaison, or found later) */
  undispatched: number;
  /** still to report: open + returned */
  missing: number;
  /** the due moment passed with something still to report */
  overdue: boolean;
  target: TargetStatus | null;
}

export interface RoundProgress {
  round: InspectionRoundRow;
  deadline: DeadlineRow | null;
  units: UnitProgress[];
}

/**
 * Per unit of the round: its failing findings and how far each is, the most missing first (then those waiting for
 * the office, then by unit code). `unitIds` limits it to those units (a liaison's own).
 */
export async function roundProgress(manager: EntityManager, roundId: number, now: Date, unitIds?: number[]): Promise<RoundProgress> {
  const round = await manager.getRepository(InspectionRoundEntity).findOneOrFail({ where: { id: roundId } });
  const deadline = round.rectificationDeadlineId
    ? await manager.getRepository(DeadlineEntity).findOne({ where: { id: round.rectificationDeadlineId } })
    : null;
  const findings = await manager.getRepository(FindingEntity).find({
    where: { roundId, qualified: false, ...(unitIds ? { unitId: In(unitIds.length ? unitIds : [-1]) } : {}) },
    order: { rowNo: 'ASC', id: 'ASC' },
  });
  const ids = [...new Set(findings.map((f) => f.unitId))];
  const units = ids.length ? await manager.getRepository(UnitEntity).find({ where: { id: In(ids) } }) : [];
  const targets = deadline && ids.length
    ? new Map((await manager.getRepository(DeadlineTargetEntity).find({ where: { deadlineId: deadline.id, unitId: In(ids) } })).map((t) => [t.unitId, t.status]))
    : new Map<number, TargetStatus>();
  const overdueNow = deadline !== null && now >= deadline.dueAt;
  const list = units.map((unit): UnitProgress => {
    const own = findings.filter((f) => f.unitId === unit.id);
    const count = (status: FindingStatus) => own.filter((f) => f.status === status).length;
    const missing = count('open') + count('returned');
    return {
      unit,
      findings: own,
      failing: own.length,
      submitted: count('submitted'),
      accepted: count('accepted'),
      returned: count('returned'),
      open: count('open'),
      undispatched: own.filter((f) => !f.dispatchedAt).length,
      missing,
      overdue: overdueNow && missing > 0,
      target: targets.get(unit.id) ?? null,
    };
  });
  list.sort((a, b) => b.missing - a.missing || b.submitted - a.submitted || a.unit.code.localeCompare(b.unit.code));
  return { round, deadline, units: list };
}

/** Rounds in which these units have failing findings that were sent to them, newest first. */
export async function roundsOfUnits(manager: EntityManager, unitIds: number[]): Promise<InspectionRoundRow[]> {
  if (unitIds.length === 0) return [];
  const rows = await manager
    .getRepository(FindingEntity)
    .createQueryBuilder('f')
    .select('DISTINCT f.roundId', 'roundId')
    .where('f.unitId IN (:...units) AND f.qualified = :no AND f.dispatchedAt IS NOT NULL', { units: unitIds, no: false })
    .getRawMany<{ roundId: number }>();
  if (rows.length === 0) return [];
  return manager.getRepository(InspectionRoundEntity).find({ where: { id: In(rows.map((r) => Number(r.roundId))) }, order: { id: 'DESC' } });
}
