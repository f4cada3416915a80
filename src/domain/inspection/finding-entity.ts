import { EntitySchema } from 'typeorm';
import { bool, idColumn, instant, key, text } from '../../db/column-types';

/** 检查轮次 (DOMAIN §2.6): the columns deadlines and findings need; the inspection import adds the rest. */
export interface InspectionRoundRow {
  id: number;
  title: string;
  /** 2026Q3, or a month */
  period: string;
  createdAt: Date;
}

export const InspectionRoundEntity = new EntitySchema<InspectionRoundRow>({
  name: 'InspectionRoundRow',
  tableName: 'inspection_rounds',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    title: key(191),
    period: key(32),
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_inspection_rounds_title', columns: ['title'] }],
});

/** open → submitted (整改情况 reported) → accepted; returned goes back to the liaison. */
export type FindingStatus = 'open' | 'submitted' | 'returned' | 'accepted';
/** Findings whose unit still owes something. */
export const OPEN_FINDING_STATUSES: FindingStatus[] = ['open', 'submitted', 'returned'];

/** One failing (or passing) account of a round (DOMAIN §2.7). */
export interface FindingRow {
  id: number;
  roundId: number;
  unitId: number;
  accountId: number | null;
  qualified: boolean;
  problemsRaw: string | null;
  status: FindingStatus;
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
    problemsRaw: { ...text(), name: 'problems_raw' },
    status: key(16),
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
  },
  indices: [
    { name: 'ix_findings_unit_status', columns: ['unitId', 'status'] },
    { name: 'ix_findings_round', columns: ['roundId'] },
  ],
});
