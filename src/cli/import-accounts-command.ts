import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  AccountImportError,
  applyAccounts,
  parseAccounts,
  type AccountImportSummary,
} from '../domain/registry/account-import';
import { readTable, RosterFileError } from '../domain/roster/roster-file';
import type { Clock } from '../shared/clock';
import { CliError } from './cli-context';

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
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw new CliError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}（cannot read the file）`);
  }
  let parsed;
  try {
    parsed = parseAccounts(await readTable(buffer, basename(file)));
  } catch (error) {
    if (error instanceof RosterFileError) throw new CliError(error.message);
    throw error;
  }
  if ('errors' in parsed) throw problems(parsed.errors.map((e) => e.message));
  const rows = parsed.rows;
  try {
    return await dataSource.transaction((manager) =>
      applyAccounts(manager, rows, { actor: params.actor, now: params.clock.now(), source: basename(file) }),
    );
  } catch (error) {
    if (error instanceof AccountImportError) throw problems(error.errors.map((e) => e.message));
    throw error;
  }
}

function problems(messages: string[]): CliError {
  return new CliError(
    `账号台账未导入：发现 ${messages.length} 处问题，请修改后重新导入（nothing was imported）：\n` +
      messages.map((m) => `  - ${m}`).join('\n'),
  );
}
