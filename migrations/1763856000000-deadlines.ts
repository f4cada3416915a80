import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** Deadlines with their units and planned reminders, the job lock, and the inspection rows deadlines address. */
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable });
const instant = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable });
const txt = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: true });
const int = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable });
const flag = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false, default: false });

export class Deadlines1763856000000 implements MigrationInterface {
  name = 'Deadlines1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deadlines',
        columns: [
          id,
          str('kind', 32),
          str('title', 191),
          txt('deliverable'),
          instant('due_at'),
          str('due_on', 10),
          str('due_time', 5, true),
          str('audience_kind', 16),
          str('ladder', 32),
          str('subject_key', 64, true),
          txt('source_text'),
          flag('provisional'),
          flag('off_day'),
          str('state', 16),
          str('created_by', 128),
          instant('created_at'),
          instant('updated_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_deadlines_subject', columnNames: ['subject_key'] })],
        indices: [new TableIndex({ name: 'ix_deadlines_state_due', columnNames: ['state', 'due_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'deadline_targets',
        columns: [id, int('deadline_id'), int('unit_id'), str('status', 16), instant('met_at', true), str('met_by', 128, true), instant('created_at')],
        uniques: [new TableUnique({ name: 'uq_deadline_targets', columnNames: ['deadline_id', 'unit_id'] })],
        indices: [new TableIndex({ name: 'ix_deadline_targets_unit', columnNames: ['unit_id', 'status'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'reminders',
        columns: [
          id,
          int('deadline_id'),
          int('unit_id'),
          int('contact_id'),
          str('user_id', 128),
          str('role', 16),
          str('step', 32),
          { name: 'step_index', type: 'integer', isNullable: false, default: 0 },
          instant('due_at'),
          str('state', 16),
          str('note', 64, true),
          str('batch_key', 191, true),
          instant('sent_at', true),
          instant('created_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_reminders', columnNames: ['deadline_id', 'unit_id', 'contact_id', 'step'] })],
        indices: [
          new TableIndex({ name: 'ix_reminders_due', columnNames: ['state', 'due_at'] }),
          new TableIndex({ name: 'ix_reminders_user', columnNames: ['user_id', 'sent_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'job_locks',
        columns: [{ name: 'name', type: 'varchar', length: '64', isPrimary: true }, str('holder', 128), instant('locked_until')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'inspection_rounds',
        columns: [id, str('title', 191), str('period', 32), instant('created_at')],
        uniques: [new TableUnique({ name: 'uq_inspection_rounds_title', columnNames: ['title'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'findings',
        columns: [
          id,
          int('round_id'),
          int('unit_id'),
          int('account_id', true),
          flag('qualified'),
          txt('problems_raw'),
          str('status', 16),
          instant('created_at'),
          instant('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_findings_unit_status', columnNames: ['unit_id', 'status'] }),
          new TableIndex({ name: 'ix_findings_round', columnNames: ['round_id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['findings', 'inspection_rounds', 'job_locks', 'reminders', 'deadline_targets', 'deadlines']) await q.dropTable(table);
  }
}
