import { basename } from 'node:path';
import type { DataSource } from 'typeorm';
import { applyRoster, type RosterImportSummary } from '../domain/roster/roster-import';
import { parseRoster } from '../domain/roster/roster-file';
import type { Clock } from '../shared/clock';
import { notImported, readTableFile } from './read-table-file';

/**
 * import-units <file>: the roster (CSV or XLSX shaped like units.csv). All or nothing: one bad row rejects the
 * whole file with every problem listed by row number, and nothing stored changes.
 */
export async function importUnitsCommand(
  dataSource: DataSource,
  file: string,
  params: { actor: string; clock: Clock },
): Promise<RosterImportSummary> {
  const parsed = parseRoster(await readTableFile(file));
  if ('errors' in parsed) throw notImported('名册', parsed.errors.map((e) => e.message));
  const rows = parsed.rows;
  return dataSource.transaction((manager) =>
    applyRoster(manager, rows, { actor: params.actor, now: params.clock.now(), source: basename(file) }),
  );
}
