import { In, type EntityManager } from 'typeorm';
import { insertIgnore } from '../../db/insert-ignore';
import { shanghaiInstant, toShanghaiDate } from '../../shared/shanghai-time';
import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import { resolveAudienceUnits, unitRecipients, type Audience } from '../roster/audience';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import {
  DeadlineEntity,
  DeadlineTargetEntity,
  ReminderEntity,
  type DeadlineKind,
  type DeadlineRow,
  type DeadlineTargetRow,
  type ReminderRole,
} from './deadline-entities';
import { endOfOfficeDay, ladderFor, planLadder, type Ladders, type OfficeHours } from './reminder-ladder';

/** What deadline arithmetic needs: the holiday calendar, the reminder ladders and the office hours. */
export interface DeadlineRules {
  calendar: WorkingDayCalendar;
  ladders: Ladders;
  hours: OfficeHours;
}

export interface NewDeadline {
  kind: DeadlineKind;
  title: string;
  deliverable?: string | null;
  /** YYYY-MM-DD (Beijing) */
  dueOn: string;
  /** HH:mm; absent = the end of that office day */
  dueTime?: string | null;
  audience: Audience;
  subjectKey?: string | null;
  sourceText?: string | null;
  /** userid, or system:<what> */
  createdBy: string;
}

export type DeadlineRefusal = 'past' | 'no-units' | 'title-required' | 'duplicate-subject';

export class DeadlineError extends Error {
  constructor(
    readonly code: DeadlineRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** The resolved moment of a deadline: the named time, or the end of that office day. */
export function resolveDueAt(dueOn: string, dueTime: string | null | undefined, hours: OfficeHours): Date {
  return dueTime ? shanghaiInstant(dueOn, dueTime) : endOfOfficeDay(dueOn, hours);
}

/**
 * Set a deadline: the row, one target per unit of the audience, and the planned reminders of its ladder — in the
 * caller's transaction. A fixed date on a non-working day is kept and flagged (offDay), never moved (DOMAIN §5.3).
 */
export async function createDeadline(
  manager: EntityManager,
  input: NewDeadline,
  rules: DeadlineRules,
  now: Date,
): Promise<{ deadline: DeadlineRow; units: UnitRow[]; planned: number }> {
  const title = input.title.trim().slice(0, 191);
  if (!title) throw new DeadlineError('title-required', 'a deadline needs a title');
  const dueAt = resolveDueAt(input.dueOn, input.dueTime, rules.hours);
  if (dueAt <= now) throw new DeadlineError('past', `the deadline ${dueAt.toISOString()} has already passed`);
  const units = await resolveAudienceUnits(manager, input.audience);
  if (units.length === 0) throw new DeadlineError('no-units', 'the audience covers no unit');
  if (input.subjectKey) {
    const existing = await manager.getRepository(DeadlineEntity).findOne({ where: { subjectKey: input.subjectKey } });
    if (existing) throw new DeadlineError('duplicate-subject', `a deadline for ${input.subjectKey} exists already (#${existing.id})`);
  }
  const row: Omit<DeadlineRow, 'id'> = {
    kind: input.kind,
    title,
    deliverable: input.deliverable?.trim() || null,
    dueAt,
    dueOn: input.dueOn,
    dueTime: input.dueTime ?? null,
    audienceKind: input.audience.kind,
    ladder: ladderFor(rules.ladders, input.kind),
    subjectKey: input.subjectKey ?? null,
    sourceText: input.sourceText?.slice(0, 2000) ?? null,
    provisional: !rules.calendar.isCovered(input.dueOn),
    offDay: !rules.calendar.isWorkday(input.dueOn),
    state: 'open',
    createdBy: input.createdBy.slice(0, 128),
    createdAt: now,
    updatedAt: now,
  };
  const inserted = await manager.getRepository(DeadlineEntity).insert(row);
  const deadline = { ...row, id: Number(inserted.identifiers[0].id) } as DeadlineRow;
  const targets = units.map((u) => ({ deadlineId: deadline.id, unitId: u.id, status: 'pending' as const, metAt: null, metBy: null, createdAt: now }));
  for (let i = 0; i < targets.length; i += 1000) await manager.getRepository(DeadlineTargetEntity).insert(targets.slice(i, i + 1000));
  const planned = await planReminders(manager, deadline, rules, now);
  return { deadline, units, planned };
}

/**
 * Plan (again) the reminders of a deadline for every unit that still owes it and everyone who should hear of it.
 * Idempotent: a (deadline, unit, person, step) that exists is left alone, so it is safe after a roster change.
 */
export async function planReminders(manager: EntityManager, deadline: DeadlineRow, rules: DeadlineRules, now: Date): Promise<number> {
  if (deadline.state !== 'open') return 0;
  const steps = planLadder(rules.ladders[deadline.ladder] ?? rules.ladders.default, deadline, deadline.createdAt, rules.calendar, rules.hours);
  if (steps.length === 0) return 0;
  const pending = await manager
    .getRepository(DeadlineTargetEntity)
    .find({ select: { unitId: true }, where: { deadlineId: deadline.id, status: 'pending' } });
  const roles = [...new Set(steps.flatMap((s) => s.roles))];
  const recipients = await unitRecipients(manager, pending.map((t) => t.unitId), roles);
  const rows = [];
  for (const s of steps) {
    for (const r of recipients) {
      if (!s.roles.includes(r.role)) continue;
      rows.push({
        deadlineId: deadline.id,
        unitId: r.unitId,
        contactId: r.contactId,
        userId: r.userId,
        role: r.role,
        step: s.step.step,
        stepIndex: s.index,
        dueAt: s.at,
        state: 'planned' as const,
        note: null,
        batchKey: null,
        sentAt: null,
        createdAt: now,
      });
    }
  }
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 1000) inserted += await insertIgnore(manager, ReminderEntity, rows.slice(i, i + 1000));
  return inserted;
}

/** The deliverable of one unit came in (a liaison's 已报送, an admin, or a finished flow). False if it was not pending. */
export async function markTargetMet(
  manager: EntityManager,
  params: { deadlineId: number; unitId: number; by: string; now: Date; status?: 'met' | 'waived' },
): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .update(DeadlineTargetEntity)
    .set({ status: params.status ?? 'met', metAt: params.now, metBy: params.by.slice(0, 128) })
    .where('deadline_id = :d AND unit_id = :u AND status = :pending', { d: params.deadlineId, u: params.unitId, pending: 'pending' })
    .execute();
  if (!result.affected) return false;
  const left = await manager.getRepository(DeadlineTargetEntity).count({ where: { deadlineId: params.deadlineId, status: 'pending' } });
  if (left === 0) {
    await manager
      .createQueryBuilder()
      .update(DeadlineEntity)
      .set({ state: 'met', updatedAt: params.now })
      .where('id = :id AND state = :open', { id: params.deadlineId, open: 'open' })
      .execute();
  }
  return true;
}

/**
 * A unit's deliverable turned out not to be complete after all (a returned rectification): the target is pending
 * again, a deadline that had been met by every unit is open again, and the unit's reminders that the sender had
 * skipped because the target was met (or, once every unit had delivered, because the deadline was closed) and whose
 * time has not come yet are planned again. Reminders of the past stay as they were: the person who returns the item
 * tells the unit now. False if the target was not met (nothing changes then).
 */
export async function reopenTarget(
  manager: EntityManager,
  params: { deadlineId: number; unitId: number; now: Date },
  rules?: DeadlineRules,
): Promise<boolean> {
  const deadline = await manager.getRepository(DeadlineEntity).findOne({ where: { id: params.deadlineId } });
  if (!deadline || deadline.state === 'cancelled') return false;
  const result = await manager
    .createQueryBuilder()
    .update(DeadlineTargetEntity)
    .set({ status: 'pending', metAt: null, metBy: null })
    .where('deadline_id = :d AND unit_id = :u AND status = :met', { d: params.deadlineId, u: params.unitId, met: 'met' })
    .execute();
  if (!result.affected) return false;
  const notes = deadline.state === 'met' ? ['met', 'closed'] : ['met'];
  if (deadline.state === 'met') {
    await manager
      .createQueryBuilder()
      .update(DeadlineEntity)
      .set({ state: 'open', updatedAt: params.now })
      .where('id = :id AND state = :met', { id: params.deadlineId, met: 'met' })
      .execute();
  }
  await manager
    .createQueryBuilder()
    .update(ReminderEntity)
    .set({ state: 'planned', note: null })
    .where('deadline_id = :d AND unit_id = :u AND state = :skipped AND note IN (:...notes) AND due_at > :now', {
      d: params.deadlineId,
      u: params.unitId,
      skipped: 'skipped',
      notes,
      now: params.now,
    })
    .execute();
  // people who joined the unit since the deadline was set
  if (rules) await planReminders(manager, { ...deadline, state: 'open' }, rules, params.now);
  return true;
}

/**
 * More units owe an open deadline (e.g. findings sent later): their targets and reminders are added. Steps whose
 * time has already passed are not sent late to the new units (skipped as `before-target`): the message that added
 * them told them. Returns the units that were new to the deadline.
 */
export async function addTargets(
  manager: EntityManager,
  deadline: DeadlineRow,
  unitIds: number[],
  rules: DeadlineRules,
  now: Date,
): Promise<number[]> {
  if (unitIds.length === 0 || deadline.state === 'cancelled') return [];
  const existing = new Set(
    (await manager.getRepository(DeadlineTargetEntity).find({ select: { unitId: true }, where: { deadlineId: deadline.id } })).map((t) => t.unitId),
  );
  const added = [...new Set(unitIds)].filter((id) => !existing.has(id));
  if (added.length === 0) return [];
  const rows = added.map((unitId) => ({ deadlineId: deadline.id, unitId, status: 'pending' as const, metAt: null, metBy: null, createdAt: now }));
  await insertIgnore(manager, DeadlineTargetEntity, rows);
  let current = deadline;
  if (deadline.state === 'met') {
    await manager.getRepository(DeadlineEntity).update({ id: deadline.id }, { state: 'open', updatedAt: now });
    current = { ...deadline, state: 'open' };
  }
  await planReminders(manager, current, rules, now);
  await manager
    .createQueryBuilder()
    .update(ReminderEntity)
    .set({ state: 'skipped', note: 'before-target' })
    .where('deadline_id = :d AND unit_id IN (:...units) AND state = :planned AND due_at <= :now AND step <> :announce', {
      d: deadline.id,
      units: added,
      planned: 'planned',
      now,
      announce: 'announce',
    })
    .execute();
  return added;
}

/** Withdraw a deadline: nothing more is reminded. False if it was not open. */
export async function cancelDeadline(manager: EntityManager, deadlineId: number, now: Date): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .update(DeadlineEntity)
    .set({ state: 'cancelled', updatedAt: now })
    .where('id = :id AND state = :open', { id: deadlineId, open: 'open' })
    .execute();
  return Boolean(result.affected);
}

export interface DeadlineStatus {
  deadline: DeadlineRow;
  total: number;
  met: number;
  /** units that still owe the deliverable, by code */
  missing: UnitRow[];
}

/** Open deadlines (soonest first) with who is still missing; `unitIds` limits them to those units' deadlines. */
export async function listOpenDeadlines(manager: EntityManager, options: { unitIds?: number[]; kinds?: DeadlineKind[] } = {}): Promise<DeadlineStatus[]> {
  const deadlines = await manager.getRepository(DeadlineEntity).find({
    where: { state: 'open', ...(options.kinds ? { kind: In(options.kinds) } : {}) },
    order: { dueAt: 'ASC', id: 'ASC' },
  });
  if (deadlines.length === 0) return [];
  const targets = await manager.getRepository(DeadlineTargetEntity).find({ where: { deadlineId: In(deadlines.map((d) => d.id)) } });
  const byDeadline = new Map<number, DeadlineTargetRow[]>();
  for (const t of targets) {
    const list = byDeadline.get(t.deadlineId);
    if (list) list.push(t);
    else byDeadline.set(t.deadlineId, [t]);
  }
  const missingIds = new Set(targets.filter((t) => t.status === 'pending').map((t) => t.unitId));
  const units = missingIds.size ? await manager.getRepository(UnitEntity).find({ where: { id: In([...missingIds]) } }) : [];
  const unitById = new Map(units.map((u) => [u.id, u]));
  const result: DeadlineStatus[] = [];
  for (const deadline of deadlines) {
    const list = byDeadline.get(deadline.id) ?? [];
    if (options.unitIds && !list.some((t) => options.unitIds?.includes(t.unitId))) continue;
    const missing = list
      .filter((t) => t.status === 'pending')
      .map((t) => unitById.get(t.unitId))
      .filter((u): u is UnitRow => Boolean(u))
      .sort((a, b) => a.code.localeCompare(b.code));
    result.push({ deadline, total: list.length, met: list.filter((t) => t.status !== 'pending').length, missing });
  }
  return result;
}

export async function findDeadline(manager: EntityManager, id: number): Promise<DeadlineRow | null> {
  return manager.getRepository(DeadlineEntity).findOne({ where: { id } });
}

export async function findTarget(manager: EntityManager, deadlineId: number, unitId: number): Promise<DeadlineTargetRow | null> {
  return manager.getRepository(DeadlineTargetEntity).findOne({ where: { deadlineId, unitId } });
}

/** Working days left until the due date (0 on the due day), or negative working days overdue. */
export function workdaysLeft(calendar: WorkingDayCalendar, deadline: Pick<DeadlineRow, 'dueOn'>, now: Date): number {
  const today = toShanghaiDate(now);
  if (today <= deadline.dueOn) return calendar.countWorkingDays(today, deadline.dueOn);
  return -calendar.countWorkingDays(deadline.dueOn, today);
}

export type { ReminderRole };
