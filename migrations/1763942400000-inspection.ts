import {
  Table,
  TableColumn,
  TableIndex,
  TableUnique,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

/** Inspection import, the 待确认 queue, findings as the result tables describe them, and 整改情况 reports. */
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const str = (name: string, length: number, isNullable = false, defaultValue?: string): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
  ...(defaultValue === undefined ? {} : { default: `'${defaultValue}'` }),
});
const instant = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable });
const txt = (name: string, isNullable = true): TableColumnOptions => ({ name, type: 'text', isNullable });
const int = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable });
const flag = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false, default: false });

export class Inspection1763942400000 implements MigrationInterface {
  name = 'Inspection1763942400000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('inspection_rounds', [
      new TableColumn(str('monitoring_point_on', 10, true)),
      new TableColumn(int('rectification_deadline_id', true)),
      new TableColumn(instant('dispatched_at', true)),
      new TableColumn(str('created_by', 128, true)),
    ]);
    await q.addColumns('findings', [
      new TableColumn(int('row_no', true)),
      new TableColumn(str('account_name_raw', 191, false, '')),
      new TableColumn(str('platform_type_raw', 64, false, '')),
      new TableColumn(str('unit_name_raw', 191, false, '')),
      new TableColumn(str('match_confidence', 16, false, 'exact')),
      new TableColumn(str('problem_codes', 255, true)),
      new TableColumn(str('severity', 16, true)),
      new TableColumn(flag('is_repeat')),
      new TableColumn(str('source_key', 191, true)),
      new TableColumn(instant('dispatched_at', true)),
    ]);
    await q.createIndex('findings', new TableIndex({ name: 'uq_findings_round_source', columnNames: ['round_id', 'source_key'], isUnique: true }));
    await q.createIndex('findings', new TableIndex({ name: 'ix_findings_account', columnNames: ['account_id'] }));
    await q.createTable(
      new Table({
        name: 'inspection_queue',
        columns: [
          id,
          int('round_id'),
          str('source_key', 191),
          int('row_no', true),
          str('account_name_raw', 191),
          str('platform_type_raw', 64),
          str('unit_name_raw', 191),
          int('unit_id', true),
          flag('qualified'),
          txt('problems_raw'),
          str('problem_codes', 255, true),
          str('severity', 16, true),
          str('reason', 16),
          txt('candidates'),
          str('status', 16),
          int('finding_id', true),
          str('resolved_by', 128, true),
          instant('resolved_at', true),
          instant('created_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_inspection_queue_round_source', columnNames: ['round_id', 'source_key'] })],
        indices: [new TableIndex({ name: 'ix_inspection_queue_status', columnNames: ['status'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'inspection_imports',
        columns: [
          id,
          int('round_id'),
          str('file_name', 191),
          str('file_sha256', 64),
          str('imported_by', 128),
          instant('imported_at'),
          int('rows_read'),
          int('applied'),
          int('unchanged'),
          int('queued'),
        ],
        indices: [new TableIndex({ name: 'ix_inspection_imports_round', columnNames: ['round_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rectifications',
        columns: [
          id,
          int('finding_id'),
          txt('description', false),
          str('measure', 16, true),
          int('filing_id', true),
          str('submitted_by', 128),
          str('submitted_by_name', 64),
          instant('submitted_at'),
          str('result', 16, true),
          str('reviewed_by', 128, true),
          str('reviewed_by_name', 64, true),
          instant('reviewed_at', true),
          txt('review_note'),
        ],
        indices: [new TableIndex({ name: 'ix_rectifications_finding', columnNames: ['finding_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['rectifications', 'inspection_imports', 'inspection_queue']) await q.dropTable(table);
    await q.dropIndex('findings', 'ix_findings_account');
    await q.dropIndex('findings', 'uq_findings_round_source');
    for (const column of [
      'dispatched_at',
      'source_key',
      'is_repeat',
      'severity',
      'problem_codes',
      'match_confidence',
      'unit_name_raw',
      'platform_type_raw',
      'account_name_raw',
      'row_no',
    ]) {
      await q.dropColumn('findings', column);
    }
    for (const column of ['created_by', 'dispatched_at', 'rectification_deadline_id', 'monitoring_point_on']) {
      await q.dropColumn('inspection_rounds', column);
    }
  }
}
