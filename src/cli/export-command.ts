import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { EXPORT_TABLES } from '../exports/export-catalog';
import { gap } from '../exports/export-format';
import { ExportError } from '../exports/export-selectors';
import { generateExport, type ExportRequest } from '../exports/export-service';
import type { Clock } from '../shared/clock';
import { CliError } from './cli-context';

export const EXPORT_USAGE = `Usage: npm run cli -- export <table> [options] [--out <file.xlsx>]

Tables (the Chinese word works too):
${EXPORT_TABLES.map((t) => `  ${t.table.padEnd(12)} ${t.aliases[0].padEnd(6, gap(1))} ${t.summaryEn}\n  ${''.padEnd(12)} ${''.padEnd(6, gap(1))} ${t.optionsEn}`).join('\n')}

Options:
  --round <轮次>        round title or period (2026年第三季度, 2026Q3); default the latest round
  --unit <单位>         full name, short name (区发改局) or a unique part of it
  --status <运行状态>   正常运行 | 已关停 | 已注销
  --account <编号|名称> account id (12) or name; --type <新媒体类型> when the name is on several platforms
  --out <file.xlsx>     where to write (default: the table's file name in the current directory)
  --without-phones      mask phone numbers (139****1234), for a copy that goes beyond the office

Exports contain phone numbers unless --without-phones; every export is recorded in the audit log.`;

export interface ExportCommandParams {
  actor: string;
  clock: Clock;
  /** Where the output goes (console.log by default). */
  print?: (text: string) => void;
  /** Base directory of a relative --out and of the default file (process.cwd()). */
  cwd?: string;
}

interface ExportOptions extends Omit<ExportRequest, 'table'> {
  out?: string;
  withoutPhones: boolean;
}

/** `export <table> …`: the office tables as XLSX files, written to disk; the same tables as the chat's 导出. */
export async function exportCommand(dataSource: DataSource, args: string[], params: ExportCommandParams): Promise<number> {
  const print = params.print ?? ((text: string) => console.log(text));
  const [table, ...rest] = args;
  if (!table || table === 'list' || table === 'help' || table === '--help') {
    print(EXPORT_USAGE);
    return table ? 0 : 2;
  }
  const options = parseExportOptions(rest);
  const now = params.clock.now();
  try {
    const file = await dataSource.transaction((manager) =>
      generateExport(
        manager,
        { table, round: options.round, unit: options.unit, status: options.status, account: options.account, platform: options.platform },
        { actor: params.actor, via: 'cli', now, includePhones: !options.withoutPhones },
      ),
    );
    const target = resolve(params.cwd ?? process.cwd(), options.out ?? file.fileName);
    writeFileSync(target, file.content);
    print(
      `已导出 (exported) ${file.title}: ${file.rows} ${file.table === 'filing-form' ? 'fields' : 'rows'}, ${file.content.length} bytes → ${target}` +
        (file.containsPhones ? '\nThe file contains phone numbers (个人信息): keep it within the office.' : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof ExportError) throw new CliError(`${error.en}\n${error.zh}`, 2);
    throw error;
  }
}

export function parseExportOptions(args: string[]): ExportOptions {
  const options: ExportOptions = { withoutPhones: false };
  const valued: Record<string, keyof Omit<ExportOptions, 'withoutPhones'>> = {
    '--round': 'round',
    '--unit': 'unit',
    '--status': 'status',
    '--account': 'account',
    '--type': 'platform',
    '--out': 'out',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--without-phones') {
      options.withoutPhones = true;
      continue;
    }
    const field = valued[name];
    if (!field) throw new CliError(`Unknown option "${arg}" (无法识别的参数).\n\n${EXPORT_USAGE}`, 2);
    const value = inline ?? args[++i];
    if (value === undefined || value.trim() === '') throw new CliError(`${name} needs a value.\n\n${EXPORT_USAGE}`, 2);
    if (options[field] !== undefined) throw new CliError(`${name} is given twice.`, 2);
    options[field] = value.trim();
  }
  return options;
}
