import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readTable, RosterFileError, type TableRows } from '../domain/roster/roster-file';
import { CliError } from './cli-context';

/** A CSV or XLSX file given on the command line, as table rows; a file that cannot be read is a CliError saying why. */
export async function readTableFile(file: string): Promise<TableRows> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw new CliError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}（cannot read the file）`);
  }
  try {
    return await readTable(buffer, basename(file));
  } catch (error) {
    if (error instanceof RosterFileError) throw new CliError(error.message);
    throw error;
  }
}

/** An all-or-nothing import that found problems: every one listed, and the promise that nothing changed. */
export function notImported(what: string, messages: string[]): CliError {
  return new CliError(
    `${what}未导入：发现 ${messages.length} 处问题，请修改后重新导入（nothing was imported）：\n${messages.map((m) => `  - ${m}`).join('\n')}`,
  );
}
