import type { DataSource } from 'typeorm';
import { enqueueOutbox } from '../../outbox/outbox-writer';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { directMessage } from '../reply-address';
import type { LoadedFlow } from './flow-definition';
import { deleteSession, findExpiredSessions } from './session-store';

export interface SessionReaperOptions {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  flows: Map<string, LoadedFlow>;
  idleMinutes: number;
  outboxMaxAttempts: number;
  onOutboxWritten?: () => void;
  /** How often expired sessions are looked for (default 60 s). */
  intervalMs?: number;
}

/**
 * Ends conversations nobody answered within the idle time and tells the person once. The delete is a
 * compare-and-swap, and the notice an outbox row with a unique key: two instances, or a message arriving at the
 * same moment, can never tell the person twice.
 */
export class SessionReaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: SessionReaperOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce().catch((error) => this.options.logger.error({ err: error }, 'session reaper failed')), this.options.intervalMs ?? 60_000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Expire what is due now; returns how many sessions were ended. */
  runOnce(): Promise<number> {
    if (!this.running) {
      this.running = this.expireDue().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async expireDue(): Promise<number> {
    const { dataSource, clock } = this.options;
    const now = clock.now();
    const due = await findExpiredSessions(dataSource.manager, now, 200);
    let ended = 0;
    for (const session of due) {
      const title = this.options.flows.get(session.flowId)?.definition.title ?? '事项';
      const trigger = this.options.flows.get(session.flowId)?.definition.triggers[0];
      const text =
        `您办理的「${title}」超过${this.options.idleMinutes}分钟未回复，已自动结束，未保存任何内容。` +
        (trigger ? `需要时请重新发送“${trigger}”。` : '');
      const wrote = await dataSource.transaction(async (manager) => {
        if (!(await deleteSession(manager, session))) return false;
        const message =
          session.context.channel === 'sandbox'
            ? { channel: 'sandbox' as const, conversation: session.userId, body: { msgtype: 'text' as const, text: { content: text } } }
            : directMessage([session.userId], text);
        await enqueueOutbox(manager, [{ dedupeKey: `session-expired:${session.id}:${session.rev}`, origin: 'flow-expiry', message }], now, this.options.outboxMaxAttempts);
        return true;
      });
      if (wrote) ended += 1;
    }
    if (ended) {
      this.options.logger.info({ ended }, 'idle conversations ended');
      this.options.onOutboxWritten?.();
    }
    return ended;
  }
}
