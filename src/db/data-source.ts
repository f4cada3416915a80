import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import type { MysqlDatabaseConfig, SqliteDatabaseConfig } from '../config/app-config';
import { migrations } from './migrations';
import { serializeSqliteAccess } from './sqlite-serializer';

export interface DataSourceParams {
  database: SqliteDatabaseConfig | MysqlDatabaseConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: MixedList<EntitySchema<any>>;
  /** Build the schema from the entities instead of migrations: tests of entity mapping only. */
  synchronize?: boolean;
}

/**
 * The TypeORM data source: better-sqlite3 (the embedded default) or MySQL/MariaDB through mysql2, in UTC and
 * utf8mb4. Migrations are never run implicitly here: call runMigrations (start-up does, when configured).
 */
export function createDataSource(params: DataSourceParams): DataSource {
  const common = {
    entities: params.entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: params.synchronize ?? false,
    logging: false,
  } as const;
  let options: DataSourceOptions;
  if (params.database.type === 'sqlite') {
    const path = params.database.path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    options = {
      ...common,
      type: 'better-sqlite3',
      database: path,
      enableWAL: path !== ':memory:',
      // Prepared statements are reused per SQL text. TypeORM's default (100, first in first out) is smaller than the
      // set of statements a busy bot runs, so hot statements were evicted and prepared again all the time.
      statementCacheSize: 1000,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('busy_timeout = 10000');
        db.pragma('foreign_keys = ON');
      },
    };
  } else {
    const db = params.database;
    options = {
      ...common,
      type: 'mysql',
      host: db.host,
      port: db.port,
      username: db.user,
      password: db.password,
      database: db.database,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      // trace: mysql2 captures a stack trace for every query by default, a tenth of the CPU of a busy bot
      extra: { connectionLimit: 10, trace: false },
    };
  }
  const dataSource = new DataSource(options);
  if (params.database.type === 'sqlite') {
    bindIntegerParameters(dataSource);
    serializeSqliteAccess(dataSource);
  }
  return dataSource;
}

/** True when the database answers a trivial query (for /healthz). */
export async function pingDatabase(dataSource: DataSource): Promise<boolean> {
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * TypeORM's SQLite drivers write number parameters into the SQL text (`WHERE "id" = 42`), so every statement that
 * names an id is new SQL: prepared again each time and pushing the hot statements out of the statement cache. Integers
 * are bound as BigInt instead: better-sqlite3 binds a BigInt as a 64-bit INTEGER, exactly what the inlined literal
 * was, so results and column affinity are unchanged, and the SQL text stays the same from one id to the next.
 * Other numbers (fractions) are left to TypeORM.
 */
function bindIntegerParameters(dataSource: DataSource): void {
  type Escape = (sql: string, parameters: Record<string, unknown>, nativeParameters: Record<string, unknown>) => [string, unknown[]];
  const driver = dataSource.driver as unknown as { escapeQueryWithParameters: Escape };
  const original = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql, parameters, nativeParameters) => {
    if (!parameters) return original(sql, parameters, nativeParameters);
    let bound: Record<string, unknown> | undefined;
    for (const key of Object.keys(parameters)) {
      const value = parameters[key];
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        bound ??= { ...parameters };
        bound[key] = BigInt(value);
      }
    }
    return original(sql, bound ?? parameters, nativeParameters);
  };
}
