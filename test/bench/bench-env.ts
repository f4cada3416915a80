import type { TestDatabaseKind } from '../helpers/test-databases';

/** A whole-number setting of a benchmark from the environment, with its default and smallest sensible value. */
export function envWholeNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** BENCH_DATABASES: which databases a benchmark runs on (default sqlite,mysql). */
export function envDatabases(): TestDatabaseKind[] {
  const list = (process.env.BENCH_DATABASES ?? 'sqlite,mysql')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const kind of list) if (kind !== 'sqlite' && kind !== 'mysql') throw new Error(`BENCH_DATABASES: unknown database ${kind} (sqlite, mysql)`);
  return list as TestDatabaseKind[];
}
