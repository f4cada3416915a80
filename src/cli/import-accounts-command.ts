import { basename } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  AccountImportError,
  applyAccounts,
  parseAccounts,
  type AccountImportSummary,
} from '../domain/registry/account-import';
import type { Clock } from '../shared/clock';
import { notImported, readTableFile } from './read-table-file';

/**
 * import-accounts <file>: the registry of accounts (CSV or XLSX shaped like accounts.csv). All or nothing: one bad
 * row rejects the whole file with every problem listed by row number, and nothing stored changes. Import the units
 * first (import-units): every 填报单位 must be in the roster.
 */
export async function importAccountsCommand(
  dataSource: DataSource,
  file: string,
  params: { actor: string; clock: Clock },
): Promise<AccountImportSummary> {
  const parsed = parseAccounts(await readTableFile(file));
  if ('errors' in parsed) throw notImported('账号台账', parsed.errors.map((e) => e.message));
  const rows = parsed.rows;
  try {
    return await dataSource.transaction((manager) =>
      applyAccounts(manager, rows, { actor: params.actor, now: params.clock.now(), source: basename(file) }),
    );
  } catch (error) {
    if (error instanceof AccountImportError) throw notImported('账号台账', error.errors.map((e) => e.message));
    throw error;
  }
}
