/**
 * A dispatcher in its own process, for the kill test: it sends the outbox through the real WeCom sender to the
 * fake WeCom and is killed with SIGKILL at random moments by the test. Configured by WORKER_CONFIG (JSON).
 */
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { WebhookClient } from '../../src/wecom/webhook-client';
import { WeComApiClient } from '../../src/wecom/wecom-api-client';
import { WeComSender } from '../../src/wecom/wecom-sender';
import type { MysqlDatabaseConfig, SqliteDatabaseConfig } from '../../src/config/app-config';

interface WorkerConfig {
  database: SqliteDatabaseConfig | MysqlDatabaseConfig;
  apiBase: string;
  corpId: string;
  agentId: number;
  secret: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WORKER_CONFIG ?? '{}') as WorkerConfig;
  const logger = createLogger('silent');
  const dataSource = createDataSource({ database: config.database, entities });
  await dataSource.initialize();
  const api = new WeComApiClient({
    apiBase: config.apiBase,
    corpId: config.corpId,
    agentId: config.agentId,
    secret: config.secret,
    timeoutMs: 5000,
    clock: systemClock,
    logger,
  });
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
  process.stdout.write('ready\n');
  for (;;) {
    await dispatcher.runOnce();
    const open = await dataSource.getRepository(OutboxEntity).count({ where: [{ status: 'pending' }, { status: 'sending' }] });
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await dataSource.destroy();
  process.stdout.write('done\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
