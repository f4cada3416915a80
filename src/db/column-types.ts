import type { EntitySchemaColumnOptions } from 'typeorm';

/**
 * Column shapes shared by every table, written once so SQLite and MySQL agree.
 * Strings that are indexed stay within 191 characters (utf8mb4 index limit on older MySQL row formats).
 */
export const idColumn: EntitySchemaColumnOptions = { type: 'integer', primary: true, generated: 'increment' };
export const instant = (nullable = false): EntitySchemaColumnOptions => ({ type: 'datetime', precision: 3, nullable });
export const key = (length = 191, nullable = false): EntitySchemaColumnOptions => ({ type: 'varchar', length, nullable });
export const text = (nullable = true): EntitySchemaColumnOptions => ({ type: 'text', nullable });
export const int = (nullable = false, defaultValue?: number): EntitySchemaColumnOptions => ({
  type: 'integer',
  nullable,
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
});
export const bool = (defaultValue = false): EntitySchemaColumnOptions => ({ type: 'boolean', default: defaultValue });
