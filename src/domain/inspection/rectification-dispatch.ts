import { In, IsNull, type EntityManager } from 'typeorm';
import type { OutboxItem } from '../../outbox/outbox-writer';
import { enqueueOutbox } from '../../outbox/outbox-writer';
import { DeadlineEntity, ReminderEntity, type DeadlineRow } from '../deadlines/deadline-entities';
import { addTargets, createDeadline, reopenTarget, resolveDueAt, type DeadlineRules } from '../deadlines/deadline-service';
import { unitRecipients, type UnitRecipient } from '../roster/audience';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import { FindingEntity, InspectionRoundEntity, type FindingRow, type InspectionRoundRow } from './finding-entity';
import type { ProblemVocabulary } from './problem-vocabulary';
import { leaderCopyTexts, liaisonDispatchTexts, rectificationDueText } from './rectification-messages';

/**
 * Sending a round's failures to the units (DOMAIN §3.3 step 5) and the rectification deadline that follows them.
 * Exactly once: a finding is sent once (findings.dispatched_at, set in the transaction that writes its messages),
 * every message has a unique outbox key per (round, unit, person, first finding of the batch), and the deadline is
 * unique per round (subject `inspection:<round>`). Dispatching again sends only what was not sent yet — findings
 * added later, or those of a unit that had no reachable liaison — and adds their units to the deadline.
 */

export interface DispatchDeps {
  rules: DeadlineRules;
  vocabulary: ProblemVocabulary;
  outboxMaxAttempts: number;
}

export interface DispatchUnit {
  unit: UnitRow;
  /** the findings not sent yet, in table order */
  findings: FindingRow[];
  liaisons: UnitRecipient[];
  /** leaders who get a copy (veto or repeat findings), without those who are the unit's liaison too */
  leaders: UnitRecipient[];
  /** the findings the leaders' copy holds */
  leaderFindings: FindingRow[];
}

export interface DispatchPlan {
  round: InspectionRoundRow;
  /** the round's rectification deadline, when it was set by an earlier dispatch */
  deadline: DeadlineRow | null;
  /** units whose liaison can be reached, with what they will get */
  units: DispatchUnit[];
  /** units with findings to send but no liaison with a WeCom account: nothing is sent, the findings wait */
  unreachable: DispatchUnit[];
  /** findings of the round sent earlier */
  alreadyDispatched: number;
}

export type DispatchRefusal = 'nothing-to-dispatch' | 'due-required' | 'past' | 'deadline-cancelled';

export class DispatchError extends Error {
  constructor(
    readonly code: DispatchRefusal,
    message: string,
    readonly plan?: DispatchPlan,
  ) {
    super(message);
  }
}

export interface DispatchResult {
  plan: DispatchPlan;
  deadline: DeadlineRow;
  /** the deadline was set by this dispatch (else an earlier one's was kept) */
  deadlineCreated: boolean;
  findingsSent: number;
  messages: number;
  /** units added to an existing deadline */
  unitsAdded: number;
}

/** Rounds with failures, newest first. */
export async function listRounds(manager: EntityManager): Promise<InspectionRoundRow[]> {
  return manager.getRepository(InspectionRoundEntity).find({ order: { id: 'DESC' } });
}

/**
 * The round an admin means: the exact title or period, else the one round whose title contains the words; no words:
 * the newest round. Null when none or several fit.
 */
export async function findRound(manager: EntityManager, words: string): Promise<{ round: InspectionRoundRow | null; candidates: InspectionRoundRow[] }> {
  const rounds = await listRounds(manager);
  const wanted = compact(words);
  if (!wanted) return { round: rounds[0] ?? null, candidates: rounds.slice(0, 1) };
  const exact = rounds.filter((r) => compact(r.title) === wanted || compact(r.period) === wanted);
  if (exact.length === 1) return { round: exact[0], candidates: exact };
  const partial = rounds.filter((r) => compact(r.title).includes(wanted) || wanted.includes(compact(r.title)));
  return { round: partial.length === 1 ? partial[0] : null, candidates: partial };
}

function compact(text: string): string {
  return text.normalize('NFKC').replace(/[\s\u3000]+/g, '');
}

/** What a dispatch of the round would send now (the preview, and the first half of dispatchRound). */
export async function planDispatch(manager: EntityManager, roundId: number): Promise<DispatchPlan> {
  const round = await manager.getRepository(InspectionRoundEntity).findOneOrFail({ where: { id: roundId } });
  const deadline = round.rectificationDeadlineId
    ? await manager.getRepository(DeadlineEntity).findOne({ where: { id: round.rectificationDeadlineId } })
    : null;
  const pending = await manager.getRepository(FindingEntity).find({
    where: { roundId, qualified: false, status: In(['open', 'returned']), dispatchedAt: IsNull() },
    order: { unitId: 'ASC', rowNo: 'ASC', id: 'ASC' },
  });
  const alreadyDispatched = await manager
    .getRepository(FindingEntity)
    .createQueryBuilder('f')
    .where('f.roundId = :r AND f.qualified = :no AND f.dispatchedAt IS NOT NULL', { r: roundId, no: false })
    .getCount();
  const unitIds = [...new Set(pending.map((f) => f.unitId))];
  const units = unitIds.length ? await manager.getRepository(UnitEntity).find({ where: { id: In(unitIds) }, order: { code: 'ASC' } }) : [];
  const people = await unitRecipients(manager, unitIds, ['liaison', 'leader']);
  const plan: DispatchPlan = { round, deadline, units: [], unreachable: [], alreadyDispatched };
  for (const unit of units) {
    const findings = pending.filter((f) => f.unitId === unit.id);
    const liaisons = dedupeUsers(people.filter((p) => p.unitId === unit.id && p.role === 'liaison'));
    const liaisonIds = new Set(liaisons.map((l) => l.userId));
    const leaderFindings = findings.filter((f) => f.severity === 'veto' || f.isRepeat);
    const leaders = leaderFindings.length
      ? dedupeUsers(people.filter((p) => p.unitId === unit.id && p.role === 'leader' && !liaisonIds.has(p.userId)))
      : [];
    const entry = { unit, findings, liaisons, leaders, leaderFindings };
    (liaisons.length ? plan.units : plan.unreachable).push(entry);
  }
  return plan;
}

function dedupeUsers(list: UnitRecipient[]): UnitRecipient[] {
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.userId) ? false : (seen.add(p.userId), true)));
}

/**
 * Send the round's findings not sent yet, in the caller's transaction: the deadline (set once; `dueOn` is needed
 * then and ignored afterwards), its targets and reminders, one message per liaison and unit (split only beyond
 * WeCom's byte limit), the leaders' copies, and the findings marked as sent. The deadline's announcement is the
 * dispatch message itself: the ladder's announce step of each liaison is marked as carried by it.
 */
export async function dispatchRound(
  manager: EntityManager,
  input: { roundId: number; dueOn?: string | null; dueTime?: string | null; actor: string; now: Date },
  deps: DispatchDeps,
  /** hand the messages to the caller's outbox writer (a chat turn, so its reply comes first); default: write them here */
  send?: (item: OutboxItem) => void,
): Promise<DispatchResult> {
  const { now } = input;
  const plan = await planDispatch(manager, input.roundId);
  const { round } = plan;
  const reachable = plan.units;
  if (reachable.length === 0 && plan.unreachable.length === 0) {
    throw new DispatchError('nothing-to-dispatch', `round ${round.title} has no findings left to send`, plan);
  }
  let deadline = plan.deadline;
  let deadlineCreated = false;
  let unitsAdded = 0;
  const owing = [...reachable, ...plan.unreachable].map((u) => u.unit.id);
  if (deadline && deadline.state === 'cancelled') {
    throw new DispatchError('deadline-cancelled', `the rectification deadline #${deadline.id} of ${round.title} was withdrawn`, plan);
  }
  if (!deadline) {
    if (!input.dueOn) throw new DispatchError('due-required', 'the first dispatch of a round needs a due date', plan);
    if (resolveDueAt(input.dueOn, input.dueTime ?? null, deps.rules.hours) <= now) {
      throw new DispatchError('past', `the due date ${input.dueOn} ${input.dueTime ?? ''} has already passed`, plan);
    }
    const created = await createDeadline(
      manager,
      {
        kind: 'rectification',
        title: `${round.title}检查问题整改`.slice(0, 191),
        deliverable: '逐项报送整改情况（回复“整改”）',
        dueOn: input.dueOn,
        dueTime: input.dueTime ?? null,
        audience: { kind: 'units', unitIds: owing },
        subjectKey: `inspection:${round.id}`,
        createdBy: input.actor,
      },
      deps.rules,
      now,
    );
    deadline = created.deadline;
    deadlineCreated = true;
    await manager.getRepository(InspectionRoundEntity).update({ id: round.id }, { rectificationDeadlineId: deadline.id });
  } else {
    unitsAdded = (await addTargets(manager, deadline, owing, deps.rules, now)).length;
    // a unit that had reported everything owes something again
    for (const unitId of owing) await reopenTarget(manager, { deadlineId: deadline.id, unitId, now }, deps.rules);
    deadline = (await manager.getRepository(DeadlineEntity).findOneOrFail({ where: { id: deadline.id } })) as DeadlineRow;
  }

  const due = rectificationDueText(deadline);
  const items: OutboxItem[] = [];
  const sentIds: number[] = [];
  for (const entry of reachable) {
    const unitName = entry.unit.shortName || entry.unit.name;
    const batch = entry.findings[0].id;
    for (const liaison of entry.liaisons) {
      const texts = liaisonDispatchTexts({
        roundTitle: round.title,
        unitName,
        personName: liaison.name,
        due,
        findings: entry.findings,
        vocabulary: deps.vocabulary,
      });
      const key = `rectify-dispatch:${round.id}:${entry.unit.id}:${liaison.userId}:${batch}`;
      texts.forEach((text, i) => items.push(appText(texts.length > 1 ? `${key}:${i + 1}` : key, liaison.userId, text)));
      await manager
        .createQueryBuilder()
        .update(ReminderEntity)
        .set({ state: 'sent', batchKey: key.slice(0, 191), sentAt: now })
        .where('deadline_id = :d AND unit_id = :u AND user_id = :p AND step = :announce AND state = :planned', {
          d: deadline.id,
          u: entry.unit.id,
          p: liaison.userId,
          announce: 'announce',
          planned: 'planned',
        })
        .execute();
    }
    for (const leader of entry.leaders) {
      const texts = leaderCopyTexts({
        roundTitle: round.title,
        unitName,
        personName: leader.name,
        due,
        findings: entry.leaderFindings,
        vocabulary: deps.vocabulary,
        liaisonNames: entry.liaisons.map((l) => l.name),
      });
      const key = `rectify-dispatch-copy:${round.id}:${entry.unit.id}:${leader.userId}:${batch}`;
      texts.forEach((text, i) => items.push(appText(texts.length > 1 ? `${key}:${i + 1}` : key, leader.userId, text)));
    }
    sentIds.push(...entry.findings.map((f) => f.id));
  }
  if (sentIds.length) {
    for (let i = 0; i < sentIds.length; i += 500) {
      const part = sentIds.slice(i, i + 500);
      const result = await manager
        .createQueryBuilder()
        .update(FindingEntity)
        .set({ dispatchedAt: now, updatedAt: now })
        .where('id IN (:...ids) AND dispatched_at IS NULL', { ids: part })
        .execute();
      if (result.affected !== part.length) throw new Error(`findings of round ${round.id} were dispatched concurrently; the dispatch is rolled back`);
    }
    if (!round.dispatchedAt) await manager.getRepository(InspectionRoundEntity).update({ id: round.id }, { dispatchedAt: now });
  }
  let messages = items.length;
  if (send) items.forEach((item) => send(item));
  else messages = await enqueueOutbox(manager, items, now, deps.outboxMaxAttempts);
  return { plan, deadline, deadlineCreated, findingsSent: sentIds.length, messages, unitsAdded };
}

function appText(dedupeKey: string, userId: string, content: string): OutboxItem {
  return { dedupeKey: dedupeKey.slice(0, 191), origin: 'inspection', message: { channel: 'app', toUser: [userId], body: { msgtype: 'text', text: { content } } } };
}
