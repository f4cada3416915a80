/**
 * The reminder job and the outbox dispatcher in their own process, for the reminder kill test: it bundles the due
 * reminders at a fixed moment (a ManualClock) in small chunks, then sends the outbox through the real WeCom sender
 * to the fake WeCom (real clock, as the dispatcher needs for its leases), and is killed with SIGKILL at random
 * moments by the test. Configured by WORKER_CONFIG (JSON). Prints `ready`, `reminders-done` and `done` when it
 * reaches each phase, so the test can aim its kills.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { MysqlDatabaseConfig, SqliteDatabaseConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/db/data-source';
import { drainOutboxToFake } from './drain-outbox';
import { WorkingDayCalendar } from '../../src/domain/calendar/working-day-calendar';
import { DEFAULT_LADDERS } from '../../src/domain/deadlines/reminder-ladder';
import { entities } from '../../src/entities';
import { sendDueReminders } from '../../src/jobs/reminder-sender';
import { ManualClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';

export interface ReminderWorkerConfig {
  database: SqliteDatabaseConfig | MysqlDatabaseConfig;
  apiBase: string;
  corpId: string;
  agentId: number;
  secret: string;
  /** the moment the reminder job runs at (ISO) */
  reminderAt: string;
  /** people per reminder transaction */
  chunkSize: number;
  /** a pause inside each reminder transaction, after its writes and before its commit: kills land mid-transaction */
  stallMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Let every transaction of `dataSource` wait `ms` before it commits, until the returned function is called. */
function stallTransactions(dataSource: DataSource, ms: number): () => void {
  type Transaction = (work: (manager: EntityManager) => Promise<unknown>) => Promise<unknown>;
  const target = dataSource as unknown as { transaction: Transaction };
  const original = dataSource.transaction.bind(dataSource) as Transaction;
  target.transaction = (work) =>
    original(async (manager) => {
      const result = await work(manager);
      await sleep(ms);
      return result;
    });
  return () => {
    target.transaction = original;
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WORKER_CONFIG ?? '{}') as ReminderWorkerConfig;
  const logger = createLogger('silent');
  const dataSource = createDataSource({ database: config.database, entities });
  await dataSource.initialize();
  process.stdout.write('ready\n');

  const reminderClock = new ManualClock(config.reminderAt);
  const rules = { calendar: new WorkingDayCalendar(), ladders: DEFAULT_LADDERS, hours: { start: '09:00', end: '17:30' } };
  const unstall = stallTransactions(dataSource, config.stallMs);
  await sendDueReminders({ dataSource, rules, outboxMaxAttempts: 50, chunkSize: config.chunkSize }, reminderClock.now());
  unstall();
  process.stdout.write('reminders-done\n');

  await drainOutboxToFake(dataSource, { apiBase: config.apiBase, corpId: config.corpId, agentId: config.agentId, secret: config.secret }, logger);
  await dataSource.destroy();
  process.stdout.write('done\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
