import { EntitySchema } from 'typeorm';
import { instant, key } from '../db/column-types';

/** A lease on a named job, so only one instance runs it at a time (the row is the lock). */
export interface JobLockRow {
  name: string;
  holder: string;
  lockedUntil: Date;
}

export const JobLockEntity = new EntitySchema<JobLockRow>({
  name: 'JobLockRow',
  tableName: 'job_locks',
  columns: {
    name: { ...key(64), primary: true },
    holder: key(128),
    lockedUntil: { ...instant(), name: 'locked_until' },
  },
});
