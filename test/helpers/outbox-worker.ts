/**
 * A dispatcher in its own process, for the kill test: it sends the outbox through the real WeCom sender to the
 * fake WeCom and is killed with SIGKILL at random moments by the test. Configured by WORKER_CONFIG (JSON).
 */
import { createDataSource } from '../../src/db/data-source';
import { drainOutboxToFake } from './drain-outbox';
import { entities } from '../../src/entities';
import { createLogger } from '../../src/shared/logger';
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
  process.stdout.write('ready\n');
  await drainOutboxToFake(dataSource, { apiBase: config.apiBase, corpId: config.corpId, agentId: config.agentId, secret: config.secret }, logger);
  await dataSource.destroy();
  process.stdout.write('done\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
