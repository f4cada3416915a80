import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { insertIgnore } from '../db/insert-ignore';
import { OutboxEntity } from './outbox-entity';
import type { OutboundMessage } from './outbound-message';

export interface OutboxItem {
  /** Unique per (what, who, which occurrence); a second insert with the same key is a no-op. */
  dedupeKey: string;
  message: OutboundMessage;
  /** What caused it: reply, unknown-user, dead-letter, reminder … */
  origin: string;
  /** Do not send before this moment (default: now). */
  notBefore?: Date;
  maxAttempts?: number;
}

/** Longest payload a TEXT column holds on MySQL (bytes). */
const MAX_PAYLOAD_BYTES = 65535;
const MAX_KEY_LENGTH = 191;

/**
 * Write messages to the outbox inside the caller's transaction, so they exist if and only if the state change
 * that caused them was committed. Returns how many rows were new (duplicates by dedupeKey are ignored).
 */
export async function enqueueOutbox(
  manager: EntityManager,
  items: OutboxItem[],
  now: Date,
  defaultMaxAttempts: number,
): Promise<number> {
  if (items.length === 0) return 0;
  const values = items.map((item) => {
    const payload = JSON.stringify(item.message);
    if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new Error(`outbox payload of ${item.dedupeKey} exceeds ${MAX_PAYLOAD_BYTES} bytes; split the message`);
    }
    if (item.dedupeKey.length === 0 || item.dedupeKey.length > MAX_KEY_LENGTH) {
      throw new Error(`outbox dedupe key must be 1..${MAX_KEY_LENGTH} characters: ${item.dedupeKey.slice(0, 60)}`);
    }
    return {
      dedupeKey: item.dedupeKey,
      channel: item.message.channel,
      payload,
      payloadHash: createHash('sha256').update(payload).digest('hex'),
      status: 'pending' as const,
      attempts: 0,
      maxAttempts: item.maxAttempts ?? defaultMaxAttempts,
      nextAttemptAt: item.notBefore ?? now,
      origin: item.origin.slice(0, 64),
      createdAt: now,
      updatedAt: now,
    };
  });
  return insertIgnore(manager, OutboxEntity, values);
}
