import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { OutboxConfig } from '../config/app-config';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { runSql } from '../db/raw-sql';
import type { CallbackLoad } from '../http/callback-load';
import { OutboxEntity, type OutboxRow } from './outbox-entity';
import type { OutboundMessage } from './outbound-message';
import { enqueueOutbox, type OutboxItem } from './outbox-writer';
import { SendError, type Sender } from './sender';

/** WeCom's longest duplicate_check_interval (14 400 s). */
const DUPLICATE_WINDOW_MS = 14_400_000;

export interface OutboxDispatcherDeps {
  dataSource: DataSource;
  sender: Sender;
  clock: Clock;
  logger: Logger;
  config: OutboxConfig;
  /** Identifies this process in leases and logs. */
  instanceId?: string;
  /**
   * Messages that tell the admins a row died. Written in the same transaction that marks it dead. Not called
   * for rows that are themselves dead-letter notices (no loops).
   */
  deadLetterNotices?: (row: OutboxRow, manager: EntityManager) => Promise<OutboxItem[]>;
  /** How many conversations are sent to in parallel. */
  concurrency?: number;
  /**
   * While callbacks queue for their answer, sending pauses between messages (see CallbackLoad). A send mostly waits
   * for WeCom; its own work is counted as a fixed SEND_WORK_MS, so a slow WeCom does not stretch the pauses.
   */
  callbackLoad?: Pick<CallbackLoad, 'pace'>;
}

/** What one send costs the event loop (building, encoding, reading the answer, marking the row), roughly. */
const SEND_WORK_MS = 1;

/**
 * Sends what the outbox holds. Rows are claimed with a lease (status sending + a token + an expiry), so several
 * instances can run; a process killed mid-send leaves a lease that expires, and the row is sent again — for app
 * messages WeCom's duplicate check (same request JSON) keeps that from reaching the user twice.
 */
export class OutboxDispatcher {
  private readonly instanceId: string;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private wakeRequested = false;
  private current: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: OutboxDispatcherDeps) {
    this.instanceId = deps.instanceId ?? `dispatcher-${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current.catch(() => undefined);
  }

  /** Send soon (after a commit that enqueued something), without waiting for the poll interval. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
    this.timer.unref?.();
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let processed = 0;
    try {
      const run = this.runOnce();
      this.current = run;
      processed = await run;
    } catch (error) {
      this.deps.logger.error({ err: error }, 'outbox dispatch round failed');
    } finally {
      this.running = false;
    }
    const again = this.wakeRequested || processed >= this.deps.config.batchSize;
    this.wakeRequested = false;
    this.schedule(again ? 0 : this.deps.config.pollIntervalMs);
  }

  /** Claim one batch of due rows, send them, record the outcome. Returns how many rows were handled. */
  async runOnce(): Promise<number> {
    const rows = await this.claim();
    if (rows.length === 0) return 0;
    // Per conversation in order, conversations in parallel. A message to several people (a review card to
    // every admin) joins the conversations of all of them, so nobody sees two messages swap places.
    const queue = groupByConversation(rows.map(parseClaimed));
    const twins = await this.rowsWithRecentTwin(rows);
    const workers = Array.from({ length: Math.min(this.deps.concurrency ?? 8, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const claimed of group) {
          await this.deps.callbackLoad?.pace(SEND_WORK_MS);
          await this.deliver(claimed, twins.has(claimed.row.id));
        }
      }
    });
    await Promise.all(workers);
    return rows.length;
  }

  private async claim(): Promise<OutboxRow[]> {
    const { dataSource, clock, config } = this.deps;
    const now = clock.now();
    const repo = dataSource.getRepository(OutboxEntity);
    const due = (qb: ReturnType<typeof repo.createQueryBuilder>) =>
      qb.andWhere(
        "((o.status = 'pending' AND o.nextAttemptAt <= :now) OR (o.status = 'sending' AND o.leaseUntil < :now))",
        { now },
      );
    const candidates = await due(repo.createQueryBuilder('o').select('o.id', 'id'))
      .orderBy('o.id', 'ASC')
      .limit(config.batchSize)
      .getRawMany<{ id: number }>();
    if (candidates.length === 0) return [];
    const token = `${this.instanceId}:${randomUUID()}`;
    const leaseUntil = new Date(now.getTime() + config.leaseSeconds * 1000);
    await repo
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ status: 'sending', leaseToken: token, leaseUntil, updatedAt: now })
      .where('id IN (:...ids)', { ids: candidates.map((c) => Number(c.id)) })
      .andWhere(
        "((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND lease_until < :now))",
        { now },
      )
      .execute();
    return repo.find({ where: { leaseToken: token }, order: { id: 'ASC' } });
  }

  private async deliver({ row, message, parseError }: ClaimedRow, repeatsRecentMessage: boolean): Promise<void> {
    const { dataSource, sender, clock, logger } = this.deps;
    const attempt = row.attempts + 1;
    if (!message) {
      await this.fail(row, attempt, new SendError(`payload is not JSON: ${String(parseError)}`, false));
      return;
    }
    try {
      const result = await sender.send(message, { outboxId: row.id, dedupeKey: row.dedupeKey, attempt, repeatsRecentMessage });
      const now = clock.now();
      const update = await runSql(
        dataSource.manager,
        "UPDATE outbox SET status = 'sent', attempts = ?, sent_at = ?, updated_at = ?, lease_token = NULL, lease_until = NULL, " +
          'remote_id = ?, last_error = ? WHERE id = ? AND lease_token = ?',
        [
          attempt,
          now,
          now,
          result?.remoteId?.slice(0, 191) ?? null,
          result?.rejectedRecipients?.length ? `rejected recipients: ${result.rejectedRecipients.join('|')}`.slice(0, 2000) : null,
          row.id,
          row.leaseToken,
        ],
      );
      if (!update.affected) {
        logger.warn({ outboxId: row.id, dedupeKey: row.dedupeKey }, 'outbox lease lost before marking sent');
      } else {
        logger.debug({ outboxId: row.id, channel: row.channel, attempt }, 'outbox message sent');
      }
    } catch (error) {
      await this.fail(row, attempt, error);
    }
  }

  /**
   * The claimed rows that repeat an earlier row's payload sent (or being sent) within WeCom's longest
   * duplicate-check window (4 h): one query for the whole batch.
   */
  private async rowsWithRecentTwin(rows: OutboxRow[]): Promise<Set<number>> {
    const since = new Date(this.deps.clock.now().getTime() - DUPLICATE_WINDOW_MS);
    const hashes = [...new Set(rows.map((row) => row.payloadHash))];
    const { rows: firsts } = await runSql<{ payload_hash: string; first_id: number | string }>(
      this.deps.dataSource.manager,
      'SELECT payload_hash, MIN(id) AS first_id FROM outbox ' +
        `WHERE payload_hash IN (${hashes.map(() => '?').join(', ')}) AND updated_at >= ? AND status IN ('sent', 'sending') ` +
        'GROUP BY payload_hash',
      [...hashes, since],
    );
    const firstByHash = new Map(firsts.map((first) => [first.payload_hash, Number(first.first_id)]));
    return new Set(rows.filter((row) => (firstByHash.get(row.payloadHash) ?? Infinity) < row.id).map((row) => row.id));
  }

  private async fail(row: OutboxRow, attempt: number, error: unknown): Promise<void> {
    const { dataSource, clock, logger, config } = this.deps;
    const sendError = error instanceof SendError ? error : undefined;
    const retryable = sendError ? sendError.retryable : true;
    const description = error instanceof Error ? error.message : String(error);
    const now = clock.now();
    const dead = !retryable || attempt >= row.maxAttempts;
    await dataSource.transaction(async (manager) => {
      if (dead) {
        const result = await manager
          .createQueryBuilder()
          .update(OutboxEntity)
          .set({ status: 'dead', attempts: attempt, lastError: description.slice(0, 2000), updatedAt: now, leaseToken: null, leaseUntil: null })
          .where('id = :id AND lease_token = :token', { id: row.id, token: row.leaseToken })
          .execute();
        if (result.affected && row.origin !== 'dead-letter' && this.deps.deadLetterNotices) {
          const notices = await this.deps.deadLetterNotices({ ...row, lastError: description, attempts: attempt }, manager);
          await enqueueOutbox(manager, notices, now, config.maxAttempts);
        }
        return;
      }
      const backoff = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** (attempt - 1));
      const jitter = Math.floor(backoff * 0.2 * Math.random());
      const delay = Math.max(backoff + jitter, sendError?.retryAfterMs ?? 0);
      await manager
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({
          status: 'pending',
          attempts: attempt,
          lastError: description.slice(0, 2000),
          nextAttemptAt: new Date(now.getTime() + delay),
          updatedAt: now,
          leaseToken: null,
          leaseUntil: null,
        })
        .where('id = :id AND lease_token = :token', { id: row.id, token: row.leaseToken })
        .execute();
    });
    const log = { outboxId: row.id, dedupeKey: row.dedupeKey, channel: row.channel, attempt, error: description };
    if (dead) logger.error(log, retryable ? 'outbox message dead after its last attempt' : 'outbox message dead: not retryable');
    else logger.warn(log, 'outbox send failed; will retry');
  }
}

/** A claimed row with its payload read once: `message` is null when the payload is not JSON. */
export interface ClaimedRow {
  row: OutboxRow;
  message: OutboundMessage | null;
  parseError?: unknown;
}

export function parseClaimed(row: OutboxRow): ClaimedRow {
  try {
    return { row, message: JSON.parse(row.payload) as OutboundMessage };
  } catch (error) {
    return { row, message: null, parseError: error };
  }
}

/**
 * Rows that share a conversation, in id order. Rows are joined when they share any conversation key (union-find),
 * so a card to three admins is ordered after the reply to one of them that was written before it.
 */
export function groupByConversation(claimed: ClaimedRow[]): ClaimedRow[][] {
  const parent = claimed.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root]!;
    for (let at = index; parent[at] !== root; ) {
      const next = parent[at]!;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const owner = new Map<string, number>();
  claimed.forEach((item, index) => {
    for (const key of conversationKeys(item)) {
      const seen = owner.get(key);
      if (seen === undefined) owner.set(key, index);
      else parent[find(index)] = find(seen);
    }
  });
  const groups = new Map<number, ClaimedRow[]>();
  claimed.forEach((item, index) => {
    const root = find(index);
    const list = groups.get(root);
    if (list) list.push(item);
    else groups.set(root, [item]);
  });
  return [...groups.values()].map((list) => list.sort((a, b) => a.row.id - b.row.id));
}

function conversationKeys({ row, message }: ClaimedRow): string[] {
  switch (message?.channel) {
    case 'app':
    case 'card-update':
      return message.toUser.length > 0 ? message.toUser.map((user) => `app:${user}`) : [`row:${row.id}`];
    case 'webhook':
      return [`webhook:${message.webhookUrl ?? ''}`];
    case 'robot-response':
      return [`robot:${message.toUser}`];
    case 'sandbox':
      return [`sandbox:${message.conversation}`];
    default:
      // an unparseable payload fails on its own in deliver()
      return [`row:${row.id}`];
  }
}
