import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** Bulletins (通报) and the people each one addresses, with their acknowledgement and reminders. */
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const instant = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable });
const txt = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: false });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer', isNullable: false });
const counter = (name: string): TableColumnOptions => ({ name, type: 'integer', isNullable: false, default: 0 });

export class Bulletins1763856100000 implements MigrationInterface {
  name = 'Bulletins1763856100000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'bulletins',
        columns: [
          id,
          str('title', 128),
          txt('body'),
          str('audience_kind', 16),
          str('audience_label', 191),
          str('created_by', 128),
          str('created_by_name', 64),
          instant('created_at'),
          instant('sent_at', true),
          counter('group_messages'),
          counter('reminder_rounds'),
          instant('last_reminded_at', true),
        ],
        indices: [new TableIndex({ name: 'ix_bulletins_created', columnNames: ['created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'bulletin_recipients',
        columns: [
          id,
          int('bulletin_id'),
          int('unit_id'),
          int('contact_id'),
          str('user_id', 128),
          str('name', 64),
          instant('acknowledged_at', true),
          instant('reminded_at', true),
          counter('reminder_round'),
          instant('created_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_bulletin_recipients', columnNames: ['bulletin_id', 'contact_id'] })],
        indices: [
          new TableIndex({ name: 'ix_bulletin_recipients_user', columnNames: ['user_id', 'bulletin_id'] }),
          new TableIndex({ name: 'ix_bulletin_recipients_ack', columnNames: ['bulletin_id', 'acknowledged_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('bulletin_recipients');
    await q.dropTable('bulletins');
  }
}
