import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DataSource } from 'typeorm';
import { applyRoster, type RosterImportSummary } from '../domain/roster/roster-import';
import { parseRoster, readTable, RosterFileError } from '../domain/roster/roster-file';
import type { Clock } from '../shared/clock';
import { CliError } from './cli-context';

/**
 * import-units <file>: the roster (CSV or XLSX shaped like units.csv). All or nothing: one bad row rejects the
 * whole file with every problem listed by row number, and nothing stored changes.
 */
export async function importUnitsCommand(
  dataSource: DataSource,
  file: string,
  params: { actor: string; clock: Clock },
): Promise<RosterImportSummary> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw new CliError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}（cannot read the file）`);
  }
  let parsed;
  try {
    parsed = parseRoster(await readTable(buffer, basename(file)));
  } catch (error) {
    if (error instanceof RosterFileError) throw new CliError(error.message);
    throw error;
  }
  if ('errors' in parsed) {
    const lines = parsed.errors.map((e) => `  - ${e.message}`);
    throw new CliError(
      `名册未导入：发现 ${parsed.errors.length} 处问题，请修改后重新导入（nothing was imported）：\n${lines.join('\n')}`,
    );
  }
  const rows = parsed.rows;
  return dataSource.transaction((manager) =>
    applyRoster(manager, rows, { actor: params.actor, now: params.clock.now(), source: basename(file) }),
  );
}
