import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../../db/column-types';

/**
 * A person's place in a flow (DESIGN §3): one row per person, whatever chat they write from. Written with
 * compare-and-swap on `rev`, so two writers can never both think they advanced the same conversation.
 */
export interface FlowSessionRow {
  id: number;
  userId: string;
  flowId: string;
  flowHash: string;
  /** The step being asked, or "summary" while the answers are shown for confirmation. */
  stepId: string;
  stepHash: string;
  /** JSON: Record<stepId, StoredAnswer> */
  answers: string;
  attempts: number;
  /** JSON: the step ids asked so far, in order (for 上一步) */
  history: string;
  /** JSON: values the flow was started with (e.g. the filing a 驳回 is about) and where the conversation is */
  context: string;
  /** Set while one answer is corrected from the summary: go back to the summary after it. */
  correcting: string | null;
  startedAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  rev: number;
}

export const FlowSessionEntity = new EntitySchema<FlowSessionRow>({
  name: 'FlowSessionRow',
  tableName: 'flow_sessions',
  columns: {
    id: idColumn,
    userId: { ...key(128), name: 'user_id' },
    flowId: { ...key(64), name: 'flow_id' },
    flowHash: { ...key(32), name: 'flow_hash' },
    stepId: { ...key(64), name: 'step_id' },
    stepHash: { ...key(32), name: 'step_hash' },
    answers: text(false),
    attempts: int(false, 0),
    history: text(false),
    context: text(false),
    correcting: key(64, true),
    startedAt: { ...instant(), name: 'started_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
    expiresAt: { ...instant(), name: 'expires_at' },
    rev: int(false, 0),
  },
  uniques: [{ name: 'uq_flow_sessions_user', columns: ['userId'] }],
  indices: [{ name: 'ix_flow_sessions_expires', columns: ['expiresAt'] }],
});
