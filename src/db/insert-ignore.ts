import type { EntityManager, EntitySchema, ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';

/**
 * INSERT that skips rows whose unique key already exists (INSERT IGNORE on MySQL, INSERT OR IGNORE on SQLite) and
 * returns how many rows were really inserted — the way a unique key in the database answers "seen before?".
 * TypeORM's InsertResult drops SQLite's change count, so the statement is run with a structured result.
 */
export async function insertIgnore<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>[],
): Promise<number> {
  if (values.length === 0) return 0;
  const [sql, parameters] = manager
    .createQueryBuilder()
    .insert()
    .into(target)
    .values(values)
    .orIgnore()
    .updateEntity(false)
    .getQueryAndParameters();
  const own = !manager.queryRunner;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = (await runner.query(sql, parameters, true)) as { affected?: number };
    return result.affected ?? 0;
  } finally {
    if (own) await runner.release();
  }
}
