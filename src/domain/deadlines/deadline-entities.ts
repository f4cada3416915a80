import { EntitySchema } from 'typeorm';
import { bool, idColumn, instant, int, key, text } from '../../db/column-types';

/** DOMAIN §2.9 kinds. Filing kinds are opened by the bot itself (a rejected filing must be resubmitted). */
export const DEADLINE_KINDS = [
  'filingOpen',
  'filingChange',
  'filingSuspend',
  'filingCancel',
  'selfCheckReport',
  'rectification',
  'registryReview',
  'annualReport',
  'custom',
] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export type AudienceKind = 'all' | 'units' | 'openFindings';
export type DeadlineState = 'open' | 'met' | 'cancelled';

/**
 * 截止事项: something units must deliver by a moment (Asia/Shanghai). `dueOn`/`dueTime` keep what the office wrote,
 * `dueAt` the resolved instant; `sourceText` keeps the phrase for audits (DOMAIN §5.3).
 */
export interface DeadlineRow {
  id: number;
  kind: DeadlineKind;
  title: string;
  /** what must be delivered (报送…), shown in reminders */
  deliverable: string | null;
  dueAt: Date;
  /** YYYY-MM-DD, Beijing date of the deadline */
  dueOn: string;
  /** HH:mm when the office named a time; null = the end of that office day */
  dueTime: string | null;
  audienceKind: AudienceKind;
  /** the ladder of reminders (config reminders.ladders key) */
  ladder: string;
  /** e.g. filing:12 — the thing this deadline is about; unique, so a filing opens one deadline */
  subjectKey: string | null;
  sourceText: string | null;
  /** the due date lies in a year without holiday data: working-day steps are estimates */
  provisional: boolean;
  /** the due date is not a working day (a fixed date the office chose; flagged, not moved) */
  offDay: boolean;
  state: DeadlineState;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DeadlineEntity = new EntitySchema<DeadlineRow>({
  name: 'DeadlineRow',
  tableName: 'deadlines',
  columns: {
    id: idColumn,
    kind: key(32),
    title: key(191),
    deliverable: text(),
    dueAt: { ...instant(), name: 'due_at' },
    dueOn: { ...key(10), name: 'due_on' },
    dueTime: { ...key(5, true), name: 'due_time' },
    audienceKind: { ...key(16), name: 'audience_kind' },
    ladder: key(32),
    subjectKey: { ...key(64, true), name: 'subject_key' },
    sourceText: { ...text(), name: 'source_text' },
    provisional: bool(false),
    offDay: { ...bool(false), name: 'off_day' },
    state: key(16),
    createdBy: { ...key(128), name: 'created_by' },
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
  },
  uniques: [{ name: 'uq_deadlines_subject', columns: ['subjectKey'] }],
  indices: [{ name: 'ix_deadlines_state_due', columns: ['state', 'dueAt'] }],
});

export type TargetStatus = 'pending' | 'met' | 'waived';

/** One unit that owes a deadline its deliverable, and whether it came in. */
export interface DeadlineTargetRow {
  id: number;
  deadlineId: number;
  unitId: number;
  status: TargetStatus;
  metAt: Date | null;
  /** userid of who marked it, or `system:<what>` when a finished flow did */
  metBy: string | null;
  createdAt: Date;
}

export const DeadlineTargetEntity = new EntitySchema<DeadlineTargetRow>({
  name: 'DeadlineTargetRow',
  tableName: 'deadline_targets',
  columns: {
    id: idColumn,
    deadlineId: { type: 'integer', name: 'deadline_id' },
    unitId: { type: 'integer', name: 'unit_id' },
    status: key(16),
    metAt: { ...instant(true), name: 'met_at' },
    metBy: { ...key(128, true), name: 'met_by' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_deadline_targets', columns: ['deadlineId', 'unitId'] }],
  indices: [{ name: 'ix_deadline_targets_unit', columns: ['unitId', 'status'] }],
});

export type ReminderRole = 'liaison' | 'leader';
export type ReminderState = 'planned' | 'sent' | 'skipped';

/**
 * One planned reminder: (deadline, unit, person, ladder step), unique. The sender bundles everything due for one
 * person into one message a day and marks the rows it carried with that message's outbox key, in one transaction.
 */
export interface ReminderRow {
  id: number;
  deadlineId: number;
  unitId: number;
  contactId: number;
  userId: string;
  role: ReminderRole;
  step: string;
  /** position of the step in its ladder (a later step supersedes an earlier one that is due at the same time) */
  stepIndex: number;
  /** when it should go out (already moved into office hours on a working day) */
  dueAt: Date;
  state: ReminderState;
  /** why it was skipped (met, passed, superseded, …) */
  note: string | null;
  /** dedupe key of the outbox row that carried it */
  batchKey: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

export const ReminderEntity = new EntitySchema<ReminderRow>({
  name: 'ReminderRow',
  tableName: 'reminders',
  columns: {
    id: idColumn,
    deadlineId: { type: 'integer', name: 'deadline_id' },
    unitId: { type: 'integer', name: 'unit_id' },
    contactId: { type: 'integer', name: 'contact_id' },
    userId: { ...key(128), name: 'user_id' },
    role: key(16),
    step: key(32),
    stepIndex: { ...int(false, 0), name: 'step_index' },
    dueAt: { ...instant(), name: 'due_at' },
    state: key(16),
    note: key(64, true),
    batchKey: { ...key(191, true), name: 'batch_key' },
    sentAt: { ...instant(true), name: 'sent_at' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_reminders', columns: ['deadlineId', 'unitId', 'contactId', 'step'] }],
  indices: [
    { name: 'ix_reminders_due', columns: ['state', 'dueAt'] },
    { name: 'ix_reminders_user', columns: ['userId', 'sentAt'] },
  ],
});
