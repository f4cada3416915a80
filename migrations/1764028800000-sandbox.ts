import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** The browser sandbox: its conversations (append-only) and the few facts it keeps across restarts (clock offset). */
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const instant = (name: string): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: false });

export class Sandbox1764028800000 implements MigrationInterface {
  name = 'Sandbox1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'sandbox_messages',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          str('dedupe_key', 191),
          str('conversation', 128),
          str('direction', 8),
          str('kind', 16),
          str('user_id', 128, true),
          { name: 'body', type: 'text', isNullable: false },
          str('task_id', 128, true),
          str('response_code', 64, true),
          str('channel', 32),
          { name: 'outbox_id', type: 'integer', isNullable: true },
          instant('created_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_sandbox_messages_dedupe', columnNames: ['dedupe_key'] })],
        indices: [
          new TableIndex({ name: 'ix_sandbox_messages_conversation', columnNames: ['conversation', 'id'] }),
          new TableIndex({ name: 'ix_sandbox_messages_response_code', columnNames: ['response_code'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sandbox_state',
        columns: [{ ...str('state_key', 64), isPrimary: true }, { name: 'value', type: 'text', isNullable: false }, instant('updated_at')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('sandbox_state');
    await q.dropTable('sandbox_messages');
  }
}
