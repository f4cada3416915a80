import type { EntityManager } from 'typeorm';
import type { InboundChannel } from '../inbound-message';
import { FlowSessionEntity, type FlowSessionRow } from './flow-session-entity';
import { isUniqueViolation } from '../../db/unique-violation';

/** One answer as kept in a session: the parsed value, how it is shown, and what the person typed. */
export interface StoredAnswer {
  value: unknown;
  display: string;
  raw: string;
  /** Answered with 跳过 (optional steps only). */
  skipped?: boolean;
  /** Filled in by the bot (e.g. the only unit of a liaison), not typed. */
  auto?: boolean;
}

/** Where the conversation is and what the flow was started with. */
export interface SessionContext {
  channel: InboundChannel;
  chatType: 'single' | 'group';
  chatId?: string;
  /** Values handed in by whoever started the flow (e.g. { filingId } for a rejection reason). */
  params?: Record<string, string | number>;
}

export interface FlowSession {
  id: number;
  userId: string;
  flowId: string;
  flowHash: string;
  stepId: string;
  stepHash: string;
  answers: Record<string, StoredAnswer>;
  attempts: number;
  history: string[];
  context: SessionContext;
  correcting: string | null;
  startedAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  rev: number;
}

/** Someone else changed the session between our read and our write: the message is processed again. */
export class SessionConflictError extends Error {
  constructor(userId: string) {
    super(`flow session of a user was changed concurrently (user ${userId.length} chars); retry`);
    this.name = 'SessionConflictError';
  }
}

export async function loadSession(manager: EntityManager, userId: string): Promise<FlowSession | null> {
  const row = await manager.getRepository(FlowSessionEntity).findOne({ where: { userId } });
  return row ? fromRow(row) : null;
}

/** Store a new session, replacing (with CAS) the one that was read before, if any. */
export async function createSession(
  manager: EntityManager,
  session: Omit<FlowSession, 'id' | 'rev'>,
  previous: FlowSession | null,
): Promise<FlowSession> {
  if (previous) await deleteSession(manager, previous);
  const repo = manager.getRepository(FlowSessionEntity);
  try {
    const result = await repo.insert({ ...toRow(session), rev: 1 });
    return { ...session, id: Number(result.identifiers[0].id), rev: 1 };
  } catch (error) {
    if (isUniqueViolation(error)) throw new SessionConflictError(session.userId);
    throw error;
  }
}

/** Write the session if nobody changed it since it was read (rev), bumping rev. */
export async function saveSession(manager: EntityManager, session: FlowSession): Promise<FlowSession> {
  const result = await manager
    .createQueryBuilder()
    .update(FlowSessionEntity)
    .set({ ...toRow(session), rev: session.rev + 1 })
    .where('id = :id AND rev = :rev', { id: session.id, rev: session.rev })
    .execute();
  if (!result.affected) throw new SessionConflictError(session.userId);
  return { ...session, rev: session.rev + 1 };
}

/** Remove the session if it is still the one that was read. False when someone else already removed or changed it. */
export async function deleteSession(manager: EntityManager, session: FlowSession): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .delete()
    .from(FlowSessionEntity)
    .where('id = :id AND rev = :rev', { id: session.id, rev: session.rev })
    .execute();
  return Boolean(result.affected);
}

export async function findExpiredSessions(manager: EntityManager, now: Date, limit: number): Promise<FlowSession[]> {
  const rows = await manager
    .getRepository(FlowSessionEntity)
    .createQueryBuilder('s')
    .where('s.expires_at <= :now', { now })
    .orderBy('s.expires_at', 'ASC')
    .limit(limit)
    .getMany();
  return rows.map(fromRow);
}

function toRow(session: Omit<FlowSession, 'id' | 'rev'>): Omit<FlowSessionRow, 'id' | 'rev'> {
  return {
    userId: session.userId,
    flowId: session.flowId,
    flowHash: session.flowHash,
    stepId: session.stepId,
    stepHash: session.stepHash,
    answers: JSON.stringify(session.answers),
    attempts: session.attempts,
    history: JSON.stringify(session.history),
    context: JSON.stringify(session.context),
    correcting: session.correcting,
    startedAt: session.startedAt,
    updatedAt: session.updatedAt,
    expiresAt: session.expiresAt,
  };
}

function fromRow(row: FlowSessionRow): FlowSession {
  return {
    id: Number(row.id),
    userId: row.userId,
    flowId: row.flowId,
    flowHash: row.flowHash,
    stepId: row.stepId,
    stepHash: row.stepHash,
    answers: JSON.parse(row.answers) as Record<string, StoredAnswer>,
    attempts: Number(row.attempts),
    history: JSON.parse(row.history) as string[],
    context: JSON.parse(row.context) as SessionContext,
    correcting: row.correcting,
    startedAt: row.startedAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    rev: Number(row.rev),
  };
}
