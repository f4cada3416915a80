import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** Conversations in progress: one row per person, written with compare-and-swap on rev. */
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const instant = (name: string): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: false });
const txt = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: false });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer', isNullable: false, default: 0 });

export class FlowSessions1763769700000 implements MigrationInterface {
  name = 'FlowSessions1763769700000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'flow_sessions',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          str('user_id', 128),
          str('flow_id', 64),
          str('flow_hash', 32),
          str('step_id', 64),
          str('step_hash', 32),
          txt('answers'),
          int('attempts'),
          txt('history'),
          txt('context'),
          str('correcting', 64, true),
          instant('started_at'),
          instant('updated_at'),
          instant('expires_at'),
          int('rev'),
        ],
        uniques: [new TableUnique({ name: 'uq_flow_sessions_user', columnNames: ['user_id'] })],
        indices: [new TableIndex({ name: 'ix_flow_sessions_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('flow_sessions');
  }
}
