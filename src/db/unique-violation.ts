/**
 * True when a statement failed on a unique key (or primary key): MySQL/MariaDB ER_DUP_ENTRY (1062), SQLite
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. Other constraint failures (NOT NULL, foreign keys) are not. Reads the error
 * as thrown by the driver or wrapped by TypeORM (QueryFailedError.driverError).
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } } | null;
  const codes = [e?.code, e?.driverError?.code].filter((c): c is string => typeof c === 'string');
  const errnos = [e?.errno, e?.driverError?.errno];
  return (
    codes.some((c) => c === 'ER_DUP_ENTRY' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY') || errnos.includes(1062)
  );
}
