import { In, LessThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import {
  DeadlineEntity,
  DeadlineTargetEntity,
  ReminderEntity,
  type DeadlineRow,
  type ReminderRow,
} from '../domain/deadlines/deadline-entities';
import { workdaysLeft, type DeadlineRules } from '../domain/deadlines/deadline-service';
import { nextAllowedMoment } from '../domain/deadlines/reminder-ladder';
import { unitRecipients } from '../domain/roster/audience';
import { UnitEntity } from '../domain/roster/roster-entities';
import { directMessage } from '../chat/reply-address';
import { enqueueOutbox, type OutboxItem } from '../outbox/outbox-writer';
import { shanghaiInstant, toShanghaiDate } from '../shared/shanghai-time';
import { deadlineNoticeText, reminderBundleText, type BundleItem } from './reminder-messages';

export interface ReminderSenderDeps {
  dataSource: DataSource;
  rules: DeadlineRules;
  outboxMaxAttempts: number;
  /** people handled per transaction */
  chunkSize?: number;
}

export interface ReminderRunCounts {
  /** reminder rows carried by a message */
  sent: number;
  /** outbox messages written */
  messages: number;
  skipped: number;
  deferred: number;
  /** leader rows waiting until the liaison has been reminded */
  waiting: number;
}

type Skip = { id: number; note: string };

/**
 * Send what is due: every planned reminder whose time has come, bundled into one message per person and day
 * (announcements of a new deadline go at once, on their own). Run under the job lock; each person's messages and
 * the rows they carry are written in one transaction, and every message has a unique outbox key — notice
 * `deadline-notice:<deadline>:<userid>`, bundle `reminders:<userid>:<date>` — so nothing is sent twice.
 *
 * What no longer makes sense is skipped, not sent: the unit delivered (met), the deadline was withdrawn or is
 * over (closed), a reminder before the deadline that comes too late because the bot was down (passed), an earlier
 * step when a later one of the same deadline is due too (superseded). A leader's copy waits until the liaison was
 * reminded in an earlier run (nothing is escalated before the liaison heard of it).
 */
export async function sendDueReminders(deps: ReminderSenderDeps, now: Date): Promise<ReminderRunCounts> {
  const counts: ReminderRunCounts = { sent: 0, messages: 0, skipped: 0, deferred: 0, waiting: 0 };
  const { hours, calendar } = deps.rules;
  const today = toShanghaiDate(now);
  if (!calendar.isWorkday(today) || now < shanghaiInstant(today, hours.start) || now >= shanghaiInstant(today, hours.end)) {
    return counts; // outside office hours nothing goes out; what is due waits for the next allowed moment
  }
  const users = (
    await deps.dataSource
      .getRepository(ReminderEntity)
      .createQueryBuilder('r')
      .select('DISTINCT r.userId', 'userId')
      .where('r.state = :planned AND r.dueAt <= :now', { planned: 'planned', now })
      .getRawMany<{ userId: string }>()
  )
    .map((r) => r.userId)
    .sort();
  const chunkSize = deps.chunkSize ?? 500;
  for (let i = 0; i < users.length; i += chunkSize) {
    const chunk = users.slice(i, i + chunkSize);
    await deps.dataSource.transaction(async (manager) => {
      const result = await sendForUsers(manager, chunk, deps, now);
      for (const key of Object.keys(counts) as Array<keyof ReminderRunCounts>) counts[key] += result[key];
    });
  }
  return counts;
}

async function sendForUsers(manager: EntityManager, userIds: string[], deps: ReminderSenderDeps, now: Date): Promise<ReminderRunCounts> {
  const counts: ReminderRunCounts = { sent: 0, messages: 0, skipped: 0, deferred: 0, waiting: 0 };
  const { calendar, hours } = deps.rules;
  const today = toShanghaiDate(now);
  const endOfToday = shanghaiInstant(today, hours.end);
  // what is due now, plus what falls later today for the same people: it rides along in today's one message
  const rows = await manager.getRepository(ReminderEntity).find({
    where: { userId: In(userIds), state: 'planned', dueAt: LessThanOrEqual(endOfToday) },
    order: { id: 'ASC' },
  });
  if (rows.length === 0) return counts;
  const deadlines = new Map(
    (await manager.getRepository(DeadlineEntity).find({ where: { id: In([...new Set(rows.map((r) => r.deadlineId))]) } })).map((d) => [d.id, d]),
  );
  const targets = await manager.getRepository(DeadlineTargetEntity).find({
    where: { deadlineId: In([...deadlines.keys()]), unitId: In([...new Set(rows.map((r) => r.unitId))]) },
  });
  const targetStatus = new Map(targets.map((t) => [`${t.deadlineId}:${t.unitId}`, t.status]));

  const skips: Skip[] = [];
  const live: ReminderRow[] = [];
  for (const row of rows) {
    const deadline = deadlines.get(row.deadlineId);
    const status = targetStatus.get(`${row.deadlineId}:${row.unitId}`);
    if (!deadline || deadline.state !== 'open') skips.push({ id: row.id, note: 'closed' });
    else if (status !== 'pending') skips.push({ id: row.id, note: status === 'waived' ? 'waived' : 'met' });
    else if (row.dueAt < deadline.dueAt && now >= deadline.dueAt) skips.push({ id: row.id, note: 'passed' });
    else live.push(row);
  }
  // one reminder per (deadline, unit, person): the latest step due
  const latest = new Map<string, ReminderRow>();
  for (const row of live) {
    const key = `${row.deadlineId}:${row.unitId}:${row.contactId}`;
    const best = latest.get(key);
    if (!best || row.dueAt > best.dueAt || (row.dueAt.getTime() === best.dueAt.getTime() && row.stepIndex > best.stepIndex)) {
      if (best) skips.push({ id: best.id, note: 'superseded' });
      latest.set(key, row);
    } else {
      skips.push({ id: row.id, note: 'superseded' });
    }
  }
  let chosen = [...latest.values()];
  // only people with something due now get a message now; the rest of today waits for its own time
  const dueNow = new Set(chosen.filter((r) => r.dueAt <= now).map((r) => r.userId));
  chosen = chosen.filter((r) => dueNow.has(r.userId));

  // a leader hears of it only after the liaison was reminded in an earlier run
  const leaderRows = chosen.filter((r) => r.role === 'leader');
  if (leaderRows.length) {
    const reminded = await manager
      .getRepository(ReminderEntity)
      .createQueryBuilder('r')
      .select(['r.deadlineId AS deadlineId', 'r.unitId AS unitId'])
      .where('r.role = :liaison AND r.state = :sent AND r.sentAt < :now', { liaison: 'liaison', sent: 'sent', now })
      .andWhere('r.deadlineId IN (:...d) AND r.unitId IN (:...u)', {
        d: [...new Set(leaderRows.map((r) => r.deadlineId))],
        u: [...new Set(leaderRows.map((r) => r.unitId))],
      })
      .getRawMany<{ deadlineId: number; unitId: number }>();
    const ok = new Set(reminded.map((r) => `${Number(r.deadlineId)}:${Number(r.unitId)}`));
    const waiting = new Set(leaderRows.filter((r) => !ok.has(`${r.deadlineId}:${r.unitId}`)).map((r) => r.id));
    counts.waiting += waiting.size;
    chosen = chosen.filter((r) => !waiting.has(r.id));
  }

  const notices = chosen.filter((r) => r.step === 'announce');
  const reminders = chosen.filter((r) => r.step !== 'announce');

  // at most one reminder message a day: someone who had today's already gets the rest on the next working day
  const bundleKey = (userId: string): string => `reminders:${userId}:${today}`;
  const alreadyToday = new Set(
    reminders.length
      ? (
          await manager
            .getRepository(ReminderEntity)
            .createQueryBuilder('r')
            .select('DISTINCT r.batchKey', 'batchKey')
            // a bundle key only carries its own person's rows: ix_reminders_user finds them (batch_key has no index)
            .where('r.userId IN (:...users)', { users: [...new Set(reminders.map((r) => r.userId))] })
            .andWhere('r.batchKey IN (:...keys)', { keys: [...new Set(reminders.map((r) => bundleKey(r.userId)))] })
            .getRawMany<{ batchKey: string }>()
        ).map((r) => r.batchKey)
      : [],
  );
  const deferred: ReminderRow[] = [];
  const bundled = new Map<string, ReminderRow[]>();
  for (const row of reminders) {
    if (alreadyToday.has(bundleKey(row.userId))) {
      deferred.push(row);
      continue;
    }
    const list = bundled.get(row.userId);
    if (list) list.push(row);
    else bundled.set(row.userId, [row]);
  }
  const nextSlot = nextAllowedMoment(shanghaiInstant(calendar.nextWorkday(today), hours.start), calendar, hours);
  for (const row of deferred) {
    const deadline = deadlines.get(row.deadlineId) as DeadlineRow;
    if (row.dueAt < deadline.dueAt && nextSlot >= deadline.dueAt) skips.push({ id: row.id, note: 'daily-limit' });
    else {
      await manager.update(ReminderEntity, { id: row.id, state: 'planned' }, { dueAt: nextSlot });
      counts.deferred += 1;
    }
  }

  // texts need unit names, people's names and (for leaders) the liaisons
  const unitIds = [...new Set(chosen.map((r) => r.unitId))];
  const unitNames = new Map(
    unitIds.length ? (await manager.getRepository(UnitEntity).find({ where: { id: In(unitIds) } })).map((u) => [u.id, u.shortName || u.name]) : [],
  );
  const people = await unitRecipients(manager, unitIds, ['liaison', 'leader']);
  const liaisons = new Map<number, string[]>();
  const nameOf = new Map<string, string>();
  for (const p of people) {
    nameOf.set(p.userId, p.name);
    if (p.role === 'liaison') liaisons.set(p.unitId, [...(liaisons.get(p.unitId) ?? []), p.name]);
  }

  const items: OutboxItem[] = [];
  const carried: Array<{ ids: number[]; key: string }> = [];
  const byNotice = new Map<string, ReminderRow[]>();
  for (const row of notices) {
    const key = `deadline-notice:${row.deadlineId}:${row.userId}`;
    byNotice.set(key, [...(byNotice.get(key) ?? []), row]);
  }
  for (const [key, list] of byNotice) {
    const deadline = deadlines.get(list[0].deadlineId) as DeadlineRow;
    const text = deadlineNoticeText({ deadline, unitNames: list.map((r) => unitNames.get(r.unitId) ?? `单位${r.unitId}`) });
    items.push({ dedupeKey: key, origin: 'deadline-notice', message: directMessage([list[0].userId], text) });
    carried.push({ ids: list.map((r) => r.id), key });
  }
  for (const [userId, list] of bundled) {
    const bundleItems: BundleItem[] = list
      .map((row) => {
        const deadline = deadlines.get(row.deadlineId) as DeadlineRow;
        return {
          deadline,
          unitName: unitNames.get(row.unitId) ?? `单位${row.unitId}`,
          role: row.role,
          overdue: now >= deadline.dueAt,
          workdaysLeft: workdaysLeft(calendar, deadline, now),
          liaisonNames: liaisons.get(row.unitId) ?? [],
        };
      })
      .sort((a, b) => a.deadline.dueAt.getTime() - b.deadline.dueAt.getTime() || a.deadline.id - b.deadline.id);
    const key = bundleKey(userId);
    items.push({ dedupeKey: key, origin: 'reminder', message: directMessage([userId], reminderBundleText(nameOf.get(userId) ?? '', bundleItems)) });
    carried.push({ ids: list.map((r) => r.id), key });
  }

  for (const { ids, key } of carried) {
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const result = await manager
        .createQueryBuilder()
        .update(ReminderEntity)
        .set({ state: 'sent', batchKey: key, sentAt: now })
        // `+state`: without statistics SQLite would pick ix_reminders_due and scan every planned row per message
        .where('id IN (:...ids) AND +state = :planned', { ids: part, planned: 'planned' })
        .execute();
      if (result.affected !== part.length) throw new Error(`reminders of ${key} were changed concurrently; the run is rolled back`);
    }
    counts.sent += ids.length;
  }
  const notes = new Map<string, number[]>();
  for (const s of skips) notes.set(s.note, [...(notes.get(s.note) ?? []), s.id]);
  for (const [note, ids] of notes) {
    for (let i = 0; i < ids.length; i += 500) {
      await manager
        .createQueryBuilder()
        .update(ReminderEntity)
        .set({ state: 'skipped', note })
        .where('id IN (:...ids) AND +state = :planned', { ids: ids.slice(i, i + 500), planned: 'planned' })
        .execute();
    }
    counts.skipped += ids.length;
  }
  counts.messages += await enqueueOutbox(manager, items, now, deps.outboxMaxAttempts);
  return counts;
}
