import { Table, TableIndex, TableUnique, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/**
 * The registry (DOMAIN §2.4, §2.5): accounts (政务新媒体账号) and filings (备案业务). Schema builder only, so one
 * migration serves SQLite and MySQL (utf8mb4 comes from the database default, as for the initial schema).
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
const int = (name: string, options: { nullable?: boolean; default?: number } = {}): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: options.nullable ?? false,
  ...(options.default === undefined ? {} : { default: options.default }),
});
const bool = (name: string, defaultValue: boolean | null): TableColumnOptions =>
  defaultValue === null
    ? { name, type: 'boolean', isNullable: true }
    : { name, type: 'boolean', isNullable: false, default: defaultValue };

export class Registry1763769600000 implements MigrationInterface {
  name = 'Registry1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'accounts',
        columns: [
          id,
          str('service_code', 32, true),
          str('name', 191),
          str('platform_type', 32),
          str('platform_type_raw', 64),
          str('platform_subtype', 64, true),
          str('platform_account_id', 191, true),
          txt('url'),
          int('owner_unit_id', { nullable: true }),
          str('owner_unit_name', 191),
          int('filer_unit_id'),
          str('operation_mode', 16, true),
          str('operator_name', 191, true),
          txt('function_description'),
          str('basic_functions', 64, true),
          str('verification', 16, true),
          str('opened_on', 10),
          str('run_status', 16),
          str('run_status_raw', 32),
          str('filing_status', 16),
          str('closed_on', 10, true),
          txt('close_reason'),
          bool('in_national_system', null),
          str('manager_name', 64, true),
          str('manager_mobile', 32, true),
          str('principal_name', 64, true),
          str('principal_phone', 32, true),
          str('leader_name', 64, true),
          str('leader_phone', 32, true),
          int('followers', { nullable: true }),
          txt('remarks'),
          txt('duplicate_justification'),
          instant('created_at'),
          instant('updated_at'),
          int('rev', { default: 1 }),
        ],
        indices: [
          new TableIndex({ name: 'ix_accounts_filer_unit', columnNames: ['filer_unit_id'] }),
          new TableIndex({ name: 'ix_accounts_owner_unit', columnNames: ['owner_unit_id'] }),
          new TableIndex({ name: 'ix_accounts_platform_type', columnNames: ['platform_type'] }),
        ],
        foreignKeys: [
          { name: 'fk_accounts_filer_unit', columnNames: ['filer_unit_id'], referencedTableName: 'units', referencedColumnNames: ['id'] },
          {
            name: 'fk_accounts_owner_unit',
            columnNames: ['owner_unit_id'],
            referencedTableName: 'units',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'filings',
        columns: [
          id,
          str('filing_no', 64),
          str('type', 16),
          int('account_id', { nullable: true }),
          int('filer_unit_id'),
          str('filer_user_id', 128),
          str('filer_name', 64),
          int('filer_contact_id', { nullable: true }),
          str('event_on', 10),
          txt('reason'),
          txt('changes'),
          txt('proposal'),
          txt('duplicate_justification'),
          instant('submitted_at'),
          str('review_status', 16),
          instant('reviewed_at', true),
          str('reviewer_user_id', 128, true),
          str('reviewer_name', 64, true),
          txt('rejection_reason'),
          str('due_on', 10),
          bool('due_provisional', false),
          bool('is_late', false),
          str('pending_key', 191, true),
          int('rev', { default: 1 }),
          instant('created_at'),
        ],
        uniques: [
          new TableUnique({ name: 'uq_filings_filing_no', columnNames: ['filing_no'] }),
          new TableUnique({ name: 'uq_filings_pending_key', columnNames: ['pending_key'] }),
        ],
        indices: [
          new TableIndex({ name: 'ix_filings_review_status', columnNames: ['review_status'] }),
          new TableIndex({ name: 'ix_filings_filer_unit', columnNames: ['filer_unit_id'] }),
          new TableIndex({ name: 'ix_filings_account', columnNames: ['account_id'] }),
        ],
        foreignKeys: [
          { name: 'fk_filings_account', columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'] },
          { name: 'fk_filings_filer_unit', columnNames: ['filer_unit_id'], referencedTableName: 'units', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['filings', 'accounts']) await q.dropTable(table, true);
  }
}
