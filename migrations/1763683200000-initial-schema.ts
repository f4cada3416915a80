import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/**
 * The foundation tables: inbox (dedupe of WeCom retries), per-user locks, outbox, roster (units, contacts, roles,
 * admin grants) and the audit log. Written with TypeORM's schema builder so one migration serves SQLite and MySQL.
 */
const id: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const instant = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable,
});
const txt = (name: string, isNullable = true): TableColumnOptions => ({ name, type: 'text', isNullable });
const int = (name: string, defaultValue?: number): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: false,
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
});
const bool = (name: string, defaultValue: boolean): TableColumnOptions => ({
  name,
  type: 'boolean',
  isNullable: false,
  default: defaultValue,
});

export class InitialSchema1763683200000 implements MigrationInterface {
  name = 'InitialSchema1763683200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'inbound_messages',
        columns: [
          id,
          str('channel', 16),
          str('msg_key', 191),
          str('user_id', 128),
          str('chat_type', 16),
          str('chat_id', 128, true),
          str('msg_type', 32),
          txt('text'),
          txt('payload', false),
          str('status', 16),
          int('attempts', 0),
          txt('last_error'),
          instant('received_at'),
          instant('processed_at', true),
        ],
        uniques: [new TableUnique({ name: 'uq_inbound_channel_msg_key', columnNames: ['channel', 'msg_key'] })],
        indices: [new TableIndex({ name: 'ix_inbound_user_status', columnNames: ['user_id', 'status'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'user_locks',
        columns: [{ ...str('user_id', 128), isPrimary: true }, str('owner', 64, true), instant('lease_until', true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'outbox',
        columns: [
          id,
          str('dedupe_key', 191),
          str('channel', 32),
          txt('payload', false),
          str('payload_hash', 64),
          str('status', 16),
          int('attempts', 0),
          int('max_attempts', 8),
          instant('next_attempt_at'),
          str('lease_token', 64, true),
          instant('lease_until', true),
          txt('last_error'),
          str('remote_id', 191, true),
          str('origin', 64, true),
          instant('created_at'),
          instant('updated_at'),
          instant('sent_at', true),
        ],
        uniques: [new TableUnique({ name: 'uq_outbox_dedupe_key', columnNames: ['dedupe_key'] })],
        indices: [
          new TableIndex({ name: 'ix_outbox_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_outbox_lease', columnNames: ['lease_token'] }),
          new TableIndex({ name: 'ix_outbox_payload_hash', columnNames: ['payload_hash'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'units',
        columns: [
          id,
          str('code', 64),
          str('name', 191),
          str('short_name', 128, true),
          str('unit_type', 32),
          str('parent_name', 191, true),
          str('system_roles_raw', 64),
          bool('is_organizer', false),
          bool('is_filer', true),
          txt('remarks'),
          instant('created_at'),
          instant('updated_at'),
        ],
        uniques: [
          new TableUnique({ name: 'uq_units_code', columnNames: ['code'] }),
          new TableUnique({ name: 'uq_units_name', columnNames: ['name'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'contacts',
        columns: [
          id,
          str('name', 64),
          str('title', 128, true),
          str('wecom_user_id', 128, true),
          str('mobile', 32, true),
          str('office_phone', 32, true),
          instant('created_at'),
          instant('updated_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_contacts_wecom_user_id', columnNames: ['wecom_user_id'] })],
        indices: [new TableIndex({ name: 'ix_contacts_name', columnNames: ['name'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'contact_roles',
        columns: [id, int('contact_id'), int('unit_id'), str('role', 32), instant('created_at')],
        uniques: [new TableUnique({ name: 'uq_contact_roles', columnNames: ['contact_id', 'unit_id', 'role'] })],
        indices: [new TableIndex({ name: 'ix_contact_roles_unit', columnNames: ['unit_id'] })],
        foreignKeys: [
          { columnNames: ['contact_id'], referencedTableName: 'contacts', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['unit_id'], referencedTableName: 'units', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'admin_grants',
        columns: [id, str('wecom_user_id', 128), str('name', 64), str('granted_by', 128), instant('granted_at')],
        uniques: [new TableUnique({ name: 'uq_admin_grants_user', columnNames: ['wecom_user_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_log',
        columns: [id, str('actor', 128), str('action', 64), str('subject', 191, true), txt('detail'), instant('at')],
        indices: [new TableIndex({ name: 'ix_audit_at', columnNames: ['at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'admin_grants',
      'contact_roles',
      'contacts',
      'units',
      'outbox',
      'user_locks',
      'inbound_messages',
    ]) {
      await q.dropTable(table, true);
    }
  }
}
