import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { CallbackLoad } from '../http/callback-load';
import type { Clock } from '../shared/clock';
import { hashUserId, type Logger } from '../shared/logger';
import { insertIgnore } from '../db/insert-ignore';
import { readInstant, runSql } from '../db/raw-sql';
import { enqueueOutbox, type OutboxItem } from '../outbox/outbox-writer';
import type { InboundMessage } from './inbound-message';
import { InboxEntity, UserLockEntity, type InboxRow } from './inbox-entity';
import { createInboxInsert, type InboxInsert } from './inbox-insert';
import type { MessageHandler } from './message-handler';
import { replyTo } from './reply-address';

export interface InboxDeps {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  handler: MessageHandler;
  /** Called after a commit that wrote outbox rows (wakes the dispatcher). */
  onOutboxWritten?: () => void;
  outboxMaxAttempts: number;
  instanceId?: string;
  /** Attempts before a message that keeps failing is given up (and the user told). Default 3. */
  maxAttempts?: number;
  /** Lease on a user while their messages are processed. Default 60 s. */
  userLeaseSeconds?: number;
  /**
   * How many users are processed at the same time (default 4). Keeps database connections and the event loop free
   * for accepting callbacks, which WeCom times out after 5 s, while the conversations catch up behind.
   */
  maxConcurrentUsers?: number;
  /** How often stored but unprocessed messages are looked for (after a crash, or another instance). Default 5 s. */
  sweepIntervalMs?: number;
  /**
   * While callbacks queue for their answer, processing pauses between messages (see CallbackLoad): WeCom's 5 s
   * limit on the answer is hard, a reply a moment later is not.
   */
  callbackLoad?: Pick<CallbackLoad, 'pace'>;
}

/** A user's drain in this process: `again` asks it to look for new messages once more before it ends. */
interface UserDrain {
  again: boolean;
  done: Promise<void>;
}

/** How many of a user's stored messages are read at once. */
const DRAIN_BATCH = 20;

export const SYSTEM_BUSY_TEXT = '抱歉，系统暂时无法处理您的消息，已记录并通知管理员。请稍后再试，或直接联系政务公开办。';

/**
 * Every accepted message is stored once — (channel, msgKey) is a unique key in the database, so a WeCom retry
 * or a second instance behind a load balancer finds it already there — and processed per user, in order, with a
 * short database lease on the user so two instances never interleave one person's conversation.
 */
export class Inbox {
  private readonly instanceId: string;
  private readonly drains = new Map<string, UserDrain>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private activeDrains = 0;
  private readonly drainSlots: Array<() => void> = [];

  private readonly insert: InboxInsert;

  constructor(private readonly deps: InboxDeps) {
    this.instanceId = deps.instanceId ?? `inbox-${randomUUID().slice(0, 8)}`;
    this.insert = createInboxInsert(deps.dataSource);
  }

  /** Store the message. 'duplicate' when it was already stored (a retry). Processing starts in the background. */
  async accept(message: InboundMessage): Promise<'accepted' | 'duplicate'> {
    const now = this.deps.clock.now();
    const inserted = await this.insert({
      channel: message.channel,
      msgKey: message.msgKey.slice(0, 191),
      userId: message.userId,
      chatType: message.chatType,
      chatId: message.chatId ?? null,
      msgType: message.msgType.slice(0, 32),
      text: message.text ?? null,
      payload: JSON.stringify(message),
      receivedAt: now,
    });
    if (!inserted) {
      this.deps.logger.info(
        { channel: message.channel, msgKey: message.msgKey, userHash: hashUserId(message.userId) },
        'duplicate inbound message ignored',
      );
      return 'duplicate';
    }
    this.schedule(message.userId);
    return 'accepted';
  }

  /**
   * Process the user's stored messages; resolves when every message stored before the call is processed (or has
   * failed and waits for the sweep). One drain per user at a time: a call while the user's drain runs does not queue
   * another drain per message — a burst of a thousand messages would leave a thousand empty drains behind it, run
   * back to back without letting go of the event loop — but asks the running one to look once more when it is done.
   */
  schedule(userId: string): Promise<void> {
    const running = this.drains.get(userId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const drain: UserDrain = { again: false, done: Promise.resolve() };
    drain.done = (async () => {
      for (;;) {
        drain.again = false;
        let finished = false;
        try {
          finished = await this.withDrainSlot(() => this.drainUser(userId));
        } catch (error) {
          this.deps.logger.error({ err: error, userHash: hashUserId(userId) }, 'inbox drain failed');
        }
        // Checked and removed in one step: a schedule() from now on starts a new drain. A drain that stopped early
        // is not repeated at once: a failed message waits for the sweep (its back-off), a user locked elsewhere too.
        if (!drain.again || !finished) {
          this.drains.delete(userId);
          return;
        }
      }
    })();
    this.drains.set(userId, drain);
    return drain.done;
  }

  /** Resolves when nothing is being processed in this process (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.drains.size > 0) await Promise.all([...this.drains.values()].map((drain) => drain.done));
  }

  start(): void {
    if (this.sweepTimer) return;
    const interval = this.deps.sweepIntervalMs ?? 5000;
    const tick = () => {
      void this.sweep().catch((error) => this.deps.logger.error({ err: error }, 'inbox sweep failed'));
    };
    tick();
    this.sweepTimer = setInterval(tick, interval);
    this.sweepTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.idle();
  }

  /** Find users with stored, unprocessed messages (left by a crash or by another instance) and process them. */
  async sweep(): Promise<number> {
    const rows = await this.deps.dataSource
      .getRepository(InboxEntity)
      .createQueryBuilder('m')
      .select('DISTINCT m.user_id', 'userId')
      .where("m.status = 'received'")
      .limit(200)
      .getRawMany<{ userId: string }>();
    for (const row of rows) if (!this.drains.has(row.userId)) void this.schedule(row.userId);
    return rows.length;
  }

  private async withDrainSlot<T>(work: () => Promise<T>): Promise<T> {
    const limit = this.deps.maxConcurrentUsers ?? 4;
    while (this.activeDrains >= limit) await new Promise<void>((resolve) => this.drainSlots.push(resolve));
    this.activeDrains++;
    try {
      return await work();
    } finally {
      this.activeDrains--;
      this.drainSlots.shift()?.();
    }
  }

  /** True when the user's queue was worked off; false when it stopped early (lock elsewhere, a failed message). */
  private async drainUser(userId: string): Promise<boolean> {
    if (!(await this.lockUser(userId))) return false; // another instance holds this user; it drains, or the sweep retries
    const leaseMs = (this.deps.userLeaseSeconds ?? 60) * 1000;
    let lockedAt = Date.now();
    let lastWorkMs = 0;
    try {
      for (;;) {
        // the user's next messages in order; messages stored meanwhile are found by the next read
        const batch = await this.receivedMessages(userId, DRAIN_BATCH);
        if (batch.length === 0) return true;
        for (const next of batch) {
          // Back to the event loop between messages: on SQLite every statement is synchronous, so a drain would
          // otherwise run all its messages in one go while callbacks wait unread. Callbacks waiting go first.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await this.deps.callbackLoad?.pace(lastWorkMs);
          if (Date.now() - lockedAt > leaseMs / 3) {
            if (!(await this.refreshLock(userId))) return false; // the lease was lost: another instance carries on
            lockedAt = Date.now();
          }
          // A failure stops this user's queue (order is kept); the sweep tries again later, which is the back-off.
          const started = performance.now();
          const processed = await this.processOne(next);
          lastWorkMs = performance.now() - started;
          if (!processed) return false;
        }
      }
    } finally {
      await this.unlockUser(userId);
    }
  }

  /** The user's stored, unprocessed messages, oldest first. */
  private async receivedMessages(userId: string, limit: number): Promise<InboxRow[]> {
    const { rows } = await runSql<Record<string, unknown>>(
      this.deps.dataSource.manager,
      'SELECT id, channel, msg_key, user_id, chat_type, chat_id, msg_type, text, payload, attempts, last_error, received_at ' +
        `FROM inbound_messages WHERE user_id = ? AND status = 'received' ORDER BY id ASC LIMIT ${limit}`,
      [userId],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      channel: String(row.channel),
      msgKey: String(row.msg_key),
      userId: String(row.user_id),
      chatType: String(row.chat_type),
      chatId: row.chat_id === null ? null : String(row.chat_id),
      msgType: String(row.msg_type),
      text: row.text === null ? null : String(row.text),
      payload: String(row.payload),
      status: 'received',
      attempts: Number(row.attempts),
      lastError: row.last_error === null ? null : String(row.last_error),
      receivedAt: readInstant(row.received_at),
      processedAt: null,
    }));
  }

  /** False when the message failed and stays queued for another attempt. */
  private async processOne(row: InboxRow): Promise<boolean> {
    const { dataSource, clock, logger, handler } = this.deps;
    const maxAttempts = this.deps.maxAttempts ?? 3;
    const message = reviveMessage(row);
    const attempt = row.attempts + 1;
    await runSql(dataSource.manager, 'UPDATE inbound_messages SET attempts = ? WHERE id = ?', [attempt, row.id]);
    const log = { inboxId: row.id, msgKey: row.msgKey, channel: row.channel, userHash: hashUserId(row.userId) };
    if (attempt > maxAttempts) {
      await this.giveUp(row, message, row.lastError ?? 'too many attempts');
      logger.error(log, 'inbound message given up after repeated failures');
      return true;
    }
    const items: OutboxItem[] = [];
    const replies: string[] = [];
    try {
      await dataSource.transaction(async (manager) => {
        items.length = 0;
        replies.length = 0;
        const now = clock.now();
        await handler.handle(message, {
          manager,
          now,
          reply: (content) => replies.push(content),
          send: (item) => items.push(item),
        });
        if (replies.length) {
          items.unshift({ dedupeKey: `reply:${row.id}`, message: replyTo(message, replies.join('\n\n')), origin: 'reply' });
        }
        await enqueueOutbox(manager, items, now, this.deps.outboxMaxAttempts);
        await runSql(manager, "UPDATE inbound_messages SET status = 'done', processed_at = ?, last_error = NULL WHERE id = ?", [now, row.id]);
      });
      logger.info({ ...log, replies: replies.length, outbox: items.length }, 'inbound message processed');
      if (items.length) this.deps.onOutboxWritten?.();
      return true;
    } catch (error) {
      const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      logger.error({ ...log, err: error, attempt }, 'inbound message processing failed');
      await dataSource.getRepository(InboxEntity).update({ id: row.id }, { lastError: description.slice(0, 2000) });
      if (attempt >= maxAttempts) {
        await this.giveUp(row, message, description);
        return true;
      }
      return false; // left 'received'; the next sweep tries again
    }
  }

  private async giveUp(row: InboxRow, message: InboundMessage, reason: string): Promise<void> {
    const { dataSource, clock } = this.deps;
    const now = clock.now();
    await dataSource.transaction(async (manager) => {
      await enqueueOutbox(
        manager,
        [{ dedupeKey: `reply:${row.id}`, message: replyTo(message, SYSTEM_BUSY_TEXT), origin: 'reply-failure' }],
        now,
        this.deps.outboxMaxAttempts,
      );
      await manager
        .getRepository(InboxEntity)
        .update({ id: row.id }, { status: 'failed', processedAt: now, lastError: reason.slice(0, 2000) });
    });
    this.deps.onOutboxWritten?.();
  }

  private async lockUser(userId: string): Promise<boolean> {
    if (await this.refreshLock(userId)) return true;
    // first time for this user (no lock row yet), or someone else holds it
    await insertIgnore(this.deps.dataSource.manager, UserLockEntity, [{ userId, owner: null, leaseUntil: null }]);
    return this.refreshLock(userId);
  }

  private async refreshLock(userId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const until = new Date(now.getTime() + (this.deps.userLeaseSeconds ?? 60) * 1000);
    const { affected } = await runSql(
      this.deps.dataSource.manager,
      'UPDATE user_locks SET owner = ?, lease_until = ? WHERE user_id = ? AND (owner IS NULL OR owner = ? OR lease_until < ?)',
      [this.instanceId, until, userId, this.instanceId, now],
    );
    return affected > 0;
  }

  private async unlockUser(userId: string): Promise<void> {
    await runSql(this.deps.dataSource.manager, 'UPDATE user_locks SET owner = NULL, lease_until = NULL WHERE user_id = ? AND owner = ?', [
      userId,
      this.instanceId,
    ]);
  }
}

function reviveMessage(row: InboxRow): InboundMessage {
  const parsed = JSON.parse(row.payload) as InboundMessage & { createdAt: string | Date };
  return { ...parsed, createdAt: new Date(parsed.createdAt) };
}
