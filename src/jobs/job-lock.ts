import type { DataSource } from 'typeorm';
import { insertIgnore } from '../db/insert-ignore';
import { JobLockEntity } from './job-lock-entity';

/**
 * A named lease in the database: one holder at a time across every instance of the bot. Taken with one
 * conditional UPDATE (free or expired, or already ours), given back by expiring it. A holder that dies leaves a
 * lease that runs out after `ttlMs`.
 */
export async function acquireJobLock(dataSource: DataSource, name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  await insertIgnore(dataSource.manager, JobLockEntity, [{ name, holder: '', lockedUntil: new Date(0) }]);
  const result = await dataSource
    .createQueryBuilder()
    .update(JobLockEntity)
    .set({ holder, lockedUntil: new Date(now.getTime() + ttlMs) })
    .where('name = :name AND (locked_until < :now OR holder = :holder)', { name, now, holder })
    .execute();
  return result.affected === 1;
}

export async function releaseJobLock(dataSource: DataSource, name: string, holder: string): Promise<void> {
  await dataSource
    .createQueryBuilder()
    .update(JobLockEntity)
    .set({ holder: '', lockedUntil: new Date(0) })
    .where('name = :name AND holder = :holder', { name, holder })
    .execute();
}
