import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { insertIgnoreVerb, runSql } from '../db/raw-sql';
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
    return [
      item.dedupeKey,
      item.message.channel,
      payload,
      createHash('sha256').update(payload).digest('hex'),
      item.maxAttempts ?? defaultMaxAttempts,
      item.notBefore ?? now,
      item.origin.slice(0, 64),
      now,
      now,
    ];
  });
  // Written with plain SQL: this runs for every message the bot sends, and TypeORM's insert builder cost more than
  // the insert. Rows go in chunks, well inside SQLite's limit on bound values.
  let inserted = 0;
  for (let start = 0; start < values.length; start += INSERT_CHUNK) {
    const chunk = values.slice(start, start + INSERT_CHUNK);
    const { affected } = await runSql(
      manager,
      `${insertIgnoreVerb(manager)} INTO outbox (dedupe_key, channel, payload, payload_hash, status, attempts, max_attempts, ` +
        `next_attempt_at, origin, created_at, updated_at) VALUES ${chunk.map(() => "(?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)").join(', ')}`,
      chunk.flat(),
    );
    inserted += affected;
  }
  return inserted;
}

const INSERT_CHUNK = 500;
