import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../db/column-types';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

/** One message that must leave the bot. Written in the same transaction as the change that caused it. */
export interface OutboxRow {
  id: number;
  /** Unique: what, who, which occurrence. A second insert with the same key is ignored. */
  dedupeKey: string;
  channel: string;
  /** JSON of OutboundMessage */
  payload: string;
  /** sha256 of payload: finds an identical message sent shortly before (see SendContext.repeatsRecentMessage) */
  payloadHash: string;
  status: OutboxStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  leaseToken: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  remoteId: string | null;
  /** What caused the message (reply, unknown-user, dead-letter …), for the logs and the admins. */
  origin: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export const OutboxEntity = new EntitySchema<OutboxRow>({
  name: 'OutboxRow',
  tableName: 'outbox',
  columns: {
    id: idColumn,
    dedupeKey: { ...key(), name: 'dedupe_key' },
    channel: key(32),
    payload: text(false),
    payloadHash: { ...key(64), name: 'payload_hash' },
    status: key(16),
    attempts: int(false, 0),
    maxAttempts: { ...int(false, 8), name: 'max_attempts' },
    nextAttemptAt: { ...instant(), name: 'next_attempt_at' },
    leaseToken: { ...key(64, true), name: 'lease_token' },
    leaseUntil: { ...instant(true), name: 'lease_until' },
    lastError: { ...text(), name: 'last_error' },
    remoteId: { ...key(191, true), name: 'remote_id' },
    origin: key(64, true),
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
    sentAt: { ...instant(true), name: 'sent_at' },
  },
  uniques: [{ name: 'uq_outbox_dedupe_key', columns: ['dedupeKey'] }],
  indices: [
    { name: 'ix_outbox_due', columns: ['status', 'nextAttemptAt'] },
    { name: 'ix_outbox_lease', columns: ['leaseToken'] },
    { name: 'ix_outbox_payload_hash', columns: ['payloadHash'] },
  ],
});
