import { EntitySchema } from 'typeorm';
import { bool, idColumn, instant, int, key, text } from '../../db/column-types';
import type { FilingReviewStatus, FilingType } from './vocabulary';

/**
 * 备案业务 (DOMAIN §2.5): one record per business action, numbered 一案一号 (BA2026-000123: the Asia/Shanghai year
 * of submission and the zero-padded id). Reviewed once: the review is a conditional update on
 * (id, reviewStatus = pending, rev), so two admins clicking at once cannot both win.
 */
export interface FilingRow {
  id: number;
  filingNo: string;
  type: FilingType;
  /** null for an opening until its approval creates the account */
  accountId: number | null;
  filerUnitId: number;
  filerUserId: string;
  filerName: string;
  filerContactId: number | null;
  /** 开设时间 / date of the change / 关停 / 注销 date (YYYY-MM-DD): starts the clock */
  eventOn: string;
  reason: string | null;
  /** JSON of FilingChange[] (变更 only) */
  changes: string | null;
  /** JSON of NewAccountFields (开设 only): the complete new account */
  proposal: string | null;
  duplicateJustification: string | null;
  submittedAt: Date;
  reviewStatus: FilingReviewStatus;
  reviewedAt: Date | null;
  reviewerUserId: string | null;
  reviewerName: string | null;
  rejectionReason: string | null;
  /** last day to file on time (YYYY-MM-DD) */
  dueOn: string;
  /** the deadline was computed without confirmed holiday data */
  dueProvisional: boolean;
  isLate: boolean;
  /**
   * Set while pending, null once reviewed; unique, so the database itself keeps one pending filing per account
   * (`account:<id>`) and per proposed opening (`open:<unit>:<platform>:<hash of subtype and name>`).
   */
  pendingKey: string | null;
  rev: number;
  createdAt: Date;
}

export const FilingEntity = new EntitySchema<FilingRow>({
  name: 'FilingRow',
  tableName: 'filings',
  columns: {
    id: idColumn,
    filingNo: { ...key(64), name: 'filing_no' },
    type: key(16),
    accountId: { ...int(true), name: 'account_id' },
    filerUnitId: { ...int(), name: 'filer_unit_id' },
    filerUserId: { ...key(128), name: 'filer_user_id' },
    filerName: { ...key(64), name: 'filer_name' },
    filerContactId: { ...int(true), name: 'filer_contact_id' },
    eventOn: { ...key(10), name: 'event_on' },
    reason: text(),
    changes: text(),
    proposal: text(),
    duplicateJustification: { ...text(), name: 'duplicate_justification' },
    submittedAt: { ...instant(), name: 'submitted_at' },
    reviewStatus: { ...key(16), name: 'review_status' },
    reviewedAt: { ...instant(true), name: 'reviewed_at' },
    reviewerUserId: { ...key(128, true), name: 'reviewer_user_id' },
    reviewerName: { ...key(64, true), name: 'reviewer_name' },
    rejectionReason: { ...text(), name: 'rejection_reason' },
    dueOn: { ...key(10), name: 'due_on' },
    dueProvisional: { ...bool(false), name: 'due_provisional' },
    isLate: { ...bool(false), name: 'is_late' },
    pendingKey: { ...key(191, true), name: 'pending_key' },
    rev: int(false, 1),
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [
    { name: 'uq_filings_filing_no', columns: ['filingNo'] },
    { name: 'uq_filings_pending_key', columns: ['pendingKey'] },
  ],
  indices: [
    { name: 'ix_filings_review_status', columns: ['reviewStatus'] },
    { name: 'ix_filings_filer_unit', columns: ['filerUnitId'] },
    { name: 'ix_filings_account', columns: ['accountId'] },
  ],
});
