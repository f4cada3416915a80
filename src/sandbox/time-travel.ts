import { MoreThan, type DataSource } from 'typeorm';
import { DeadlineEntity, ReminderEntity } from '../domain/deadlines/deadline-entities';
import type { DeadlineRules } from '../domain/deadlines/deadline-service';
import { formatInstantCn, shanghaiInstant, toShanghaiDate, weekdayCn } from '../shared/shanghai-time';

/**
 * Where the sandbox clock can jump to: the next moment a reminder is planned, the start of the next working day, a
 * deadline (just after it passed), an hour later. Computed from the database and the holiday calendar each time.
 */
export type ClockJump =
  | { kind: 'next-reminder' }
  | { kind: 'next-workday' }
  | { kind: 'deadline'; deadlineId: number }
  | { kind: 'hour' };

export interface JumpOption {
  /** what the page posts back: next-reminder, next-workday, hour, deadline:<id> */
  id: string;
  label: string;
  /** ISO time the clock would show */
  at: string;
}

/** Past a deadline by this much, so it counts as missed when the jobs look. */
const AFTER_DEADLINE_MS = 60_000;
const HOUR_MS = 3_600_000;
const MAX_DEADLINE_OPTIONS = 5;

export function parseJump(id: unknown): ClockJump | null {
  if (id === 'next-reminder' || id === 'next-workday' || id === 'hour') return { kind: id };
  const match = typeof id === 'string' ? /^deadline:(\d{1,12})$/.exec(id) : null;
  return match ? { kind: 'deadline', deadlineId: Number(match[1]) } : null;
}

/** The moment a jump leads to from `now`; null when there is none (no reminder planned, a deadline already past). */
export async function jumpTarget(jump: ClockJump, now: Date, dataSource: DataSource, rules: DeadlineRules): Promise<Date | null> {
  switch (jump.kind) {
    case 'hour':
      return new Date(now.getTime() + HOUR_MS);
    case 'next-workday':
      return nextWorkdayStart(now, rules);
    case 'next-reminder': {
      const next = await dataSource
        .getRepository(ReminderEntity)
        .findOne({ where: { state: 'planned', dueAt: MoreThan(now) }, order: { dueAt: 'ASC' } });
      return next ? new Date(next.dueAt) : null;
    }
    case 'deadline': {
      const deadline = await dataSource.getRepository(DeadlineEntity).findOne({ where: { id: jump.deadlineId, state: 'open' } });
      if (!deadline) return null;
      const at = new Date(new Date(deadline.dueAt).getTime() + AFTER_DEADLINE_MS);
      return at > now ? at : null;
    }
  }
}

/** The start of office hours on the first working day whose start is still ahead (today's, before 09:00). */
export function nextWorkdayStart(now: Date, rules: DeadlineRules): Date {
  const today = toShanghaiDate(now);
  const todayStart = shanghaiInstant(today, rules.hours.start);
  if (rules.calendar.isWorkday(today) && todayStart > now) return todayStart;
  return shanghaiInstant(rules.calendar.nextWorkday(today), rules.hours.start);
}

/** The jumps the page offers now, with where each leads. */
export async function jumpOptions(now: Date, dataSource: DataSource, rules: DeadlineRules): Promise<JumpOption[]> {
  const options: JumpOption[] = [];
  const option = (id: string, label: (at: Date) => string, at: Date | null) => {
    if (at) options.push({ id, label: label(at), at: at.toISOString() });
  };
  option('next-reminder', (at) => `下一次提醒（${shortTime(at, now)}）`, await jumpTarget({ kind: 'next-reminder' }, now, dataSource, rules));
  option('next-workday', (at) => `下个工作日上班（${shortTime(at, now)}）`, nextWorkdayStart(now, rules));
  option('hour', () => '1小时后', new Date(now.getTime() + HOUR_MS));
  const deadlines = await dataSource
    .getRepository(DeadlineEntity)
    .find({ where: { state: 'open', dueAt: MoreThan(now) }, order: { dueAt: 'ASC' }, take: MAX_DEADLINE_OPTIONS });
  for (const d of deadlines) {
    const after = new Date(new Date(d.dueAt).getTime() + AFTER_DEADLINE_MS);
    option(`deadline:${d.id}`, () => `过截止时间：${d.title}（${shortTime(new Date(d.dueAt), now)}）`, after);
  }
  return options;
}

/** 11月23日 周一 09:00 (the year only when it is not the year of `now`). */
export function shortTime(instant: Date, now: Date): string {
  const date = toShanghaiDate(instant);
  const sameYear = date.slice(0, 4) === toShanghaiDate(now).slice(0, 4);
  const text = sameYear ? formatInstantCn(instant).replace(/^\d{4}年/, '') : formatInstantCn(instant);
  return text.replace('日 ', `日 ${weekdayCn(date)} `);
}
