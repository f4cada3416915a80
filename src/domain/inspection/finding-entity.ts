import { EntitySchema } from 'typeorm';
import { bool, idColumn, instant, int, key, text } from '../../db/column-types';

/** 检查轮次 (DOMAIN §2.6). */
export interface InspectionRoundRow {
  id: number;
  /** 2026年第三季度 …, as the office names the round; unique */
  title: string;
  /** 2026Q3, or a month (2026-08) */
  period: string;
  /** 监测时间点 (YYYY-MM-DD), anchors the two-week rule; optional */
  monitoringPointOn: string | null;
  /** the rectification deadline (deadlines.id) set when the findings were sent to the units */
  rectificationDeadlineId: number | null;
  /** when the findings were first sent to the liaisons */
  dispatchedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
}

export const InspectionRoundEntity = new EntitySchema<InspectionRoundRow>({
  name: 'InspectionRoundRow',
  tableName: 'inspection_rounds',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    title: key(191),
    period: key(32),
    monitoringPointOn: { ...key(10, true), name: 'monitoring_point_on' },
    rectificationDeadlineId: { ...int(true), name: 'rectification_deadline_id' },
    dispatchedAt: { ...instant(true), name: 'dispatched_at' },
    createdBy: { ...key(128, true), name: 'created_by' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_inspection_rounds_title', columns: ['title'] }],
});

/**
 * passed: 合格 (nothing to rectify) · open: 不合格, nothing reported yet · submitted: 整改情况 reported, waiting for
 * the office · returned: the office sent it back (reminded again) · accepted: the office accepted it.
 */
export type FindingStatus = 'passed' | 'open' | 'submitted' | 'returned' | 'accepted';
/** Findings whose unit still owes something. */
export const OPEN_FINDING_STATUSES: FindingStatus[] = ['open', 'submitted', 'returned'];
/** Findings the liaison still has to report on (a submitted one waits for the office). */
export const TO_RECTIFY_STATUSES: FindingStatus[] = ['open', 'returned'];

/** exact: name, type and unit as registered · normalized: equal after normalisation · fuzzy: close, confirmed by
 * type and unit · manual: an admin chose the account from the queue · none: not in the registry (未备案). */
export type MatchConfidence = 'exact' | 'normalized' | 'fuzzy' | 'manual' | 'none';
export type ProblemSeverity = 'veto' | 'deduction' | 'advisory';

/** One inspected account of a round (DOMAIN §2.7). One row per (round, account); a row naming two platforms gives two. */
export interface FindingRow {
  id: number;
  roundId: number;
  /** the 填报单位 whose liaison must rectify */
  unitId: number;
  /** the registered account; null for an account that is not in the registry (未备案) */
  accountId: number | null;
  /** 是否合格 as the source table says (authoritative); a failure-only table means false */
  qualified: boolean;
  /** 序号 in the source table */
  rowNo: number | null;
  accountNameRaw: string;
  platformTypeRaw: string;
  unitNameRaw: string;
  matchConfidence: MatchConfidence;
  problemsRaw: string | null;
  /** DOMAIN §4 codes joined with ','; OTHER keeps its words in problemsRaw */
  problemCodes: string | null;
  /** the highest severity over the codes; null without problems */
  severity: ProblemSeverity | null;
  /** the same problem was found for the account in the previous round */
  isRepeat: boolean;
  /** `account:<id>`, or `unregistered:<name>|<type>|<unit>`: what makes a re-import find the same finding */
  sourceKey: string | null;
  status: FindingStatus;
  /** when the liaison was sent this finding */
  dispatchedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const FindingEntity = new EntitySchema<FindingRow>({
  name: 'FindingRow',
  tableName: 'findings',
  columns: {
    id: idColumn,
    roundId: { type: 'integer', name: 'round_id' },
    unitId: { type: 'integer', name: 'unit_id' },
    accountId: { type: 'integer', name: 'account_id', nullable: true },
    qualified: bool(false),
    rowNo: { ...int(true), name: 'row_no' },
    accountNameRaw: { ...key(191), name: 'account_name_raw', default: '' },
    platformTypeRaw: { ...key(64), name: 'platform_type_raw', default: '' },
    unitNameRaw: { ...key(191), name: 'unit_name_raw', default: '' },
    matchConfidence: { ...key(16), name: 'match_confidence', default: 'exact' },
    problemsRaw: { ...text(), name: 'problems_raw' },
    problemCodes: { ...key(255, true), name: 'problem_codes' },
    severity: key(16, true),
    isRepeat: { ...bool(false), name: 'is_repeat' },
    sourceKey: { ...key(191, true), name: 'source_key' },
    status: key(16),
    dispatchedAt: { ...instant(true), name: 'dispatched_at' },
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
  },
  indices: [
    { name: 'uq_findings_round_source', columns: ['roundId', 'sourceKey'], unique: true },
    { name: 'ix_findings_unit_status', columns: ['unitId', 'status'] },
    { name: 'ix_findings_round', columns: ['roundId'] },
    { name: 'ix_findings_account', columns: ['accountId'] },
  ],
});

/** Why a row of an inspection table waits for an admin (待确认). */
export type QueueReason =
  /** a close but not certain match: the candidates are listed */
  | 'fuzzy'
  /** several registered accounts fit equally */
  | 'ambiguous'
  /** no registered account fits: an account that was never filed, or a name the inspector wrote differently */
  | 'unregistered'
  /** the 开设单位 is not a unit of the roster and no account fits */
  | 'unknownUnit'
  /** the 账号类型 names no known platform */
  | 'unknownType';
export type QueueStatus = 'pending' | 'resolved' | 'dismissed';

/** A row of an imported inspection table that was not applied: an admin decides (待确认, or the CLI). */
export interface InspectionQueueRow {
  id: number;
  roundId: number;
  /** normalised (name, type, unit) of the row: a re-import finds the same entry */
  sourceKey: string;
  rowNo: number | null;
  accountNameRaw: string;
  platformTypeRaw: string;
  unitNameRaw: string;
  /** the roster unit the 开设单位 names, when it names one */
  unitId: number | null;
  qualified: boolean;
  problemsRaw: string | null;
  problemCodes: string | null;
  severity: ProblemSeverity | null;
  reason: QueueReason;
  /** JSON [{accountId, score}], best first */
  candidates: string | null;
  status: QueueStatus;
  /** the finding the resolution created */
  findingId: number | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

export const InspectionQueueEntity = new EntitySchema<InspectionQueueRow>({
  name: 'InspectionQueueRow',
  tableName: 'inspection_queue',
  columns: {
    id: idColumn,
    roundId: { type: 'integer', name: 'round_id' },
    sourceKey: { ...key(191), name: 'source_key' },
    rowNo: { ...int(true), name: 'row_no' },
    accountNameRaw: { ...key(191), name: 'account_name_raw' },
    platformTypeRaw: { ...key(64), name: 'platform_type_raw' },
    unitNameRaw: { ...key(191), name: 'unit_name_raw' },
    unitId: { ...int(true), name: 'unit_id' },
    qualified: bool(false),
    problemsRaw: { ...text(), name: 'problems_raw' },
    problemCodes: { ...key(255, true), name: 'problem_codes' },
    severity: key(16, true),
    reason: key(16),
    candidates: text(),
    status: key(16),
    findingId: { ...int(true), name: 'finding_id' },
    resolvedBy: { ...key(128, true), name: 'resolved_by' },
    resolvedAt: { ...instant(true), name: 'resolved_at' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_inspection_queue_round_source', columns: ['roundId', 'sourceKey'] }],
  indices: [{ name: 'ix_inspection_queue_status', columns: ['status'] }],
});

/** One import of an inspection table: what came in and what was done with it (kept for the record). */
export interface InspectionImportRow {
  id: number;
  roundId: number;
  fileName: string;
  /** sha256 of the file bytes */
  fileSha256: string;
  importedBy: string;
  importedAt: Date;
  /** rows read (a two-platform row counts once) */
  rowsRead: number;
  /** findings created by this import */
  applied: number;
  /** rows that were already applied by an earlier import */
  unchanged: number;
  /** rows put in the queue (or already waiting there) */
  queued: number;
}

export const InspectionImportEntity = new EntitySchema<InspectionImportRow>({
  name: 'InspectionImportRow',
  tableName: 'inspection_imports',
  columns: {
    id: idColumn,
    roundId: { type: 'integer', name: 'round_id' },
    fileName: { ...key(191), name: 'file_name' },
    fileSha256: { ...key(64), name: 'file_sha256' },
    importedBy: { ...key(128), name: 'imported_by' },
    importedAt: { ...instant(), name: 'imported_at' },
    rowsRead: { ...int(), name: 'rows_read' },
    applied: int(),
    unchanged: int(),
    queued: int(),
  },
  indices: [{ name: 'ix_inspection_imports_round', columns: ['roundId'] }],
});

/** 整改措施 (DOMAIN §2.1 CleanupMeasure): 保留 / 变更 / 关停 / 注销. */
export type RectificationMeasure = 'keep' | 'change' | 'suspend' | 'cancel';
export type RectificationResult = 'accepted' | 'returned';

/**
 * 整改情况 (DOMAIN §2.8): one report of a liaison on one finding. Append-only: a returned report stays, and the
 * liaison's next report is a new row.
 */
export interface RectificationRow {
  id: number;
  findingId: number;
  /** the text that goes into the 整改情况 column */
  description: string;
  measure: RectificationMeasure | null;
  /** the 关停/注销 filing the report started, if any */
  filingId: number | null;
  submittedBy: string;
  submittedByName: string;
  submittedAt: Date;
  /** null while the office has not decided */
  result: RectificationResult | null;
  reviewedBy: string | null;
  reviewedByName: string | null;
  reviewedAt: Date | null;
  /** why it was returned (or a note on acceptance) */
  reviewNote: string | null;
}

export const RectificationEntity = new EntitySchema<RectificationRow>({
  name: 'RectificationRow',
  tableName: 'rectifications',
  columns: {
    id: idColumn,
    findingId: { type: 'integer', name: 'finding_id' },
    description: text(false),
    measure: key(16, true),
    filingId: { ...int(true), name: 'filing_id' },
    submittedBy: { ...key(128), name: 'submitted_by' },
    submittedByName: { ...key(64), name: 'submitted_by_name' },
    submittedAt: { ...instant(), name: 'submitted_at' },
    result: key(16, true),
    reviewedBy: { ...key(128, true), name: 'reviewed_by' },
    reviewedByName: { ...key(64, true), name: 'reviewed_by_name' },
    reviewedAt: { ...instant(true), name: 'reviewed_at' },
    reviewNote: { ...text(), name: 'review_note' },
  },
  indices: [{ name: 'ix_rectifications_finding', columns: ['findingId'] }],
});
