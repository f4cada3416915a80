import type { EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';

export interface SqlResult<T> {
  rows: T[];
  /** Rows changed by INSERT / UPDATE / DELETE. */
  affected: number;
}

/**
 * Run hand-written SQL with `?` placeholders on the manager's connection (its transaction, when it has one).
 *
 * For the few statements on the path of every message (store, lock, mark done, mark sent), where building the SQL
 * with TypeORM's query builder cost more than running it. The SQL must be valid on SQLite and MySQL alike: plain
 * snake_case identifiers that are not reserved words, no dialect functions. Dates are written the way TypeORM writes
 * `datetime` columns (UTC text on SQLite, a Date for mysql2 with timezone Z), booleans as 1/0.
 */
export async function runSql<T = Record<string, unknown>>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<SqlResult<T>> {
  const sqlite = isSqlite(manager);
  const values = parameters.map((value) => {
    if (value instanceof Date) return sqlite ? sqliteDatetime(value) : value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value;
  });
  const own = !manager.queryRunner;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = (await runner.query(sql, values, true)) as { records?: unknown; affected?: number };
    return { rows: Array.isArray(result.records) ? (result.records as T[]) : [], affected: result.affected ?? 0 };
  } finally {
    if (own) await runner.release();
  }
}

export function isSqlite(manager: EntityManager): boolean {
  return manager.connection.options.type === 'better-sqlite3';
}

/** `INSERT OR IGNORE` (SQLite) or `INSERT IGNORE` (MySQL): skip rows whose unique key exists. */
export function insertIgnoreVerb(manager: EntityManager): string {
  return isSqlite(manager) ? 'INSERT OR IGNORE' : 'INSERT IGNORE';
}

/** A datetime column as read by raw SQL (UTC text on SQLite, a Date from mysql2) as a Date. */
export function readInstant(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  // SQLite keeps "YYYY-MM-DD HH:MM:SS.sss" in UTC (how TypeORM writes it)
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

/** A Date as TypeORM writes it into a SQLite `datetime` column: "YYYY-MM-DD HH:MM:SS.sss" in UTC. */
export function sqliteDatetime(value: Date): string {
  return DateUtils.mixedDateToUtcDatetimeString(value) as string;
}
