import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import {
  InspectionImportError,
  importInspection,
  readInspectionFile,
  summaryLines,
  type InspectionImportSummary,
} from '../domain/inspection/inspection-import';
import type { ProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import type { Clock } from '../shared/clock';
import { CliError } from './cli-context';
import { notImported } from './read-table-file';

export const IMPORT_INSPECTION_USAGE = `Usage: npm run cli -- import-inspection <file.csv|file.xlsx> --round <轮次名称> [--period 2026Q3] [--monitoring-point 2026-09-15] [--dry-run]
  --round             the inspection round, e.g. "2026年第三季度"; created when new (the period is read from the title
                      unless --period is given: 2026Q3 for a quarter, 2026-08 for a month)
  --monitoring-point  监测时间点 of a new round (YYYY-MM-DD)
  --dry-run           show what the import would do; nothing is stored`;

export interface ImportInspectionParams {
  actor: string;
  clock: Clock;
  vocabulary: ProblemVocabulary;
  print?: (text: string) => void;
}

/**
 * import-inspection <file> --round R: an inspection result table (CSV or XLSX, DOMAIN §2.7 shapes) into a round.
 * A file problem stops everything with every problem listed; rows that cannot be matched with confidence go to
 * the 待确认 queue (inspection-queue). Importing the same file again changes nothing.
 */
export async function importInspectionCommand(dataSource: DataSource, args: string[], params: ImportInspectionParams): Promise<InspectionImportSummary> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        round: { type: 'string' },
        period: { type: 'string' },
        'monitoring-point': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${IMPORT_INSPECTION_USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.round) throw new CliError(IMPORT_INSPECTION_USAGE, 2);
  const file = positionals[0];
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw new CliError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}（cannot read the file）`);
  }
  const print = params.print ?? ((text: string) => console.log(text));
  const dryRun = values['dry-run'] === true;
  try {
    const inspectionFile = await readInspectionFile(buffer, basename(file));
    const summary = await dataSource.transaction((manager) =>
      importInspection(
        manager,
        {
          ...inspectionFile,
          round: { title: values.round!, period: values.period ?? null, monitoringPointOn: values['monitoring-point'] ?? null },
          vocabulary: params.vocabulary,
          actor: params.actor,
          now: params.clock.now(),
        },
        { dryRun },
      ),
    );
    print(dryRun ? '预览（--dry-run，未保存任何内容 / nothing stored）：' : '检查结果已导入 (inspection results imported)：');
    for (const line of summaryLines(summary)) print(line);
    const queued = Object.values(summary.queued).reduce((n, v) => n + (v ?? 0), 0) + summary.stillQueued;
    if (queued > 0 && !dryRun) print('待确认的条目：npm run cli -- inspection-queue list（或在聊天中发送“待确认”）');
    return summary;
  } catch (error) {
    if (error instanceof InspectionImportError) throw notImported('检查结果', error.problems);
    throw error;
  }
}
