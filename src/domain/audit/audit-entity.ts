import { EntitySchema } from 'typeorm';
import { idColumn, instant, key, text } from '../../db/column-types';

/** Append-only record of who did what when (imports, grants, reviews). */
export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  subject: string | null;
  detail: string | null;
  at: Date;
}

export const AuditEntity = new EntitySchema<AuditRow>({
  name: 'AuditRow',
  tableName: 'audit_log',
  columns: {
    id: idColumn,
    actor: key(128),
    action: key(64),
    subject: key(191, true),
    detail: text(),
    at: instant(),
  },
  indices: [{ name: 'ix_audit_at', columns: ['at'] }],
});
