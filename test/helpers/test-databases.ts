import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import type { MysqlDatabaseConfig, SqliteDatabaseConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';

/**
 * Every database test runs on both databases: a real SQLite file and a real MariaDB/MySQL database created for the
 * test file and dropped after it. The server comes from TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/bot_test);
 * TEST_SKIP_MYSQL=1 runs SQLite only and says so (never in CI).
 */
export type TestDatabaseKind = 'sqlite' | 'mysql';

export interface TestDatabase {
  kind: TestDatabaseKind;
  config: SqliteDatabaseConfig | MysqlDatabaseConfig;
  /** The same database as a DATABASE_URL, for a bot runtime started on it. */
  url: string;
  dataSource: DataSource;
  /** Close the connection and delete the database. */
  destroy(): Promise<void>;
}

let counter = 0;

export function testDatabaseKinds(): TestDatabaseKind[] {
  if (process.env.TEST_SKIP_MYSQL === '1') {
    if (process.env.CI) throw new Error('TEST_SKIP_MYSQL=1 is not allowed in CI: every database test runs on MySQL too');
    return ['sqlite'];
  }
  return ['sqlite', 'mysql'];
}

export function mysqlServerUrl(): URL {
  return new URL(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/bot_test');
}

/** A fresh database of the given kind (schema created by the real migrations unless told otherwise). */
export async function createTestDatabase(kind: TestDatabaseKind, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  counter++;
  const suffix = `${process.pid}_${Date.now().toString(36)}_${counter}`;
  let config: SqliteDatabaseConfig | MysqlDatabaseConfig;
  let dropDatabase: () => Promise<void>;
  if (kind === 'sqlite') {
    const path = join(tmpdir(), `bot-test-${suffix}.sqlite`);
    config = { type: 'sqlite', path };
    dropDatabase = async () => {
      for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(file, { force: true });
    };
  } else {
    const url = mysqlServerUrl();
    const base = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'bot_test';
    const database = `${base}_${suffix}`.slice(0, 64);
    const server = {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
    };
    const admin = await createConnection(server).catch((error: Error) => {
      throw new Error(
        `MySQL/MariaDB test server not reachable at ${server.host}:${server.port} (${error.message}). ` +
          'Start it (bash .ci/run does), set TEST_MYSQL_URL, or run SQLite only with TEST_SKIP_MYSQL=1.',
      );
    });
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    config = { type: 'mysql', ...server, database };
    dropDatabase = async () => {
      const conn = await createConnection(server);
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    };
  }
  const dataSource = createDataSource({ database: config, entities });
  await dataSource.initialize();
  if (options.migrate !== false) await dataSource.runMigrations({ transaction: 'each' });
  const url =
    config.type === 'sqlite'
      ? `sqlite:${config.path}`
      : `mysql://${encodeURIComponent(config.user)}:${encodeURIComponent(config.password)}@${config.host}:${config.port}/${config.database}`;
  return {
    kind,
    config,
    url,
    dataSource,
    async destroy() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase();
    },
  };
}
