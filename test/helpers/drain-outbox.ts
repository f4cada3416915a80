import type { DataSource } from 'typeorm';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher';
import { systemClock } from '../../src/shared/clock';
import type { Logger } from '../../src/shared/logger';
import { WebhookClient } from '../../src/wecom/webhook-client';
import { WeComApiClient } from '../../src/wecom/wecom-api-client';
import { WeComSender } from '../../src/wecom/wecom-sender';

export interface FakeAppConfig {
  apiBase: string;
  corpId: string;
  agentId: number;
  secret: string;
}

/**
 * The worker processes of the kill tests: send everything the outbox holds through the real WeCom sender to the
 * fake WeCom, with short leases and back-off so a row left by a killed worker is taken over quickly.
 */
export async function drainOutboxToFake(dataSource: DataSource, app: FakeAppConfig, logger: Logger): Promise<void> {
  const api = new WeComApiClient({ ...app, timeoutMs: 5000, clock: systemClock, logger });
  const sender = new WeComSender({ api, webhook: new WebhookClient({ timeoutMs: 5000 }), timeoutMs: 5000, logger });
  const dispatcher = new OutboxDispatcher({
    dataSource,
    sender,
    clock: systemClock,
    logger,
    config: { pollIntervalMs: 20, batchSize: 4, maxAttempts: 50, leaseSeconds: 1, backoffBaseMs: 50, backoffMaxMs: 500 },
    instanceId: `worker-${process.pid}`,
    concurrency: 4,
  });
  for (;;) {
    await dispatcher.runOnce();
    const open = await dataSource.getRepository(OutboxEntity).count({ where: [{ status: 'pending' }, { status: 'sending' }] });
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
}
