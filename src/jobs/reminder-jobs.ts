import type { DataSource } from 'typeorm';
import { DeadlineEntity } from '../domain/deadlines/deadline-entities';
import { planReminders, type DeadlineRules } from '../domain/deadlines/deadline-service';
import type { Job } from './job-scheduler';
import { reconcileFilingDeadlines } from './filing-deadlines';
import { sendOverdueDigest } from './overdue-digest';
import { sendDueReminders } from './reminder-sender';

export interface ReminderJobDeps {
  dataSource: DataSource;
  rules: DeadlineRules;
  digestAt: string;
  outboxMaxAttempts: number;
  /** after a run wrote outbox rows: send them now rather than at the next poll */
  onOutboxWritten: () => void;
}

/**
 * The scheduled work of deadlines: plan reminders for people who joined a unit since a deadline was set (hourly),
 * send what is due (every minute; a run decides from the clock, so a bot that was down catches up when it is
 * back), and the admins' daily digest of what is overdue.
 */
export function reminderJobs(deps: ReminderJobDeps): Job[] {
  return [
    {
      id: 'filing-deadlines',
      schedule: '* * * * *',
      timeoutMs: 5 * 60_000,
      run: (now) => reconcileFilingDeadlines({ dataSource: deps.dataSource, rules: deps.rules }, now),
    },
    {
      id: 'reminders-plan',
      schedule: '7 * * * *',
      timeoutMs: 10 * 60_000,
      async run(now) {
        let planned = 0;
        const open = await deps.dataSource.getRepository(DeadlineEntity).find({ where: { state: 'open' } });
        for (const deadline of open) {
          planned += await deps.dataSource.transaction((manager) => planReminders(manager, deadline, deps.rules, now));
        }
        return { planned };
      },
    },
    {
      id: 'reminders-send',
      schedule: '* * * * *',
      timeoutMs: 5 * 60_000,
      async run(now) {
        const counts = await sendDueReminders({ dataSource: deps.dataSource, rules: deps.rules, outboxMaxAttempts: deps.outboxMaxAttempts }, now);
        if (counts.messages > 0) deps.onOutboxWritten();
        return { ...counts };
      },
    },
    {
      id: 'overdue-digest',
      schedule: '* * * * *',
      timeoutMs: 5 * 60_000,
      async run(now) {
        const result = await sendOverdueDigest(deps, now);
        if (result.digests > 0) deps.onOutboxWritten();
        return result;
      },
    },
  ];
}
