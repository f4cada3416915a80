import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/**
 * Files the bot sends (exports of the office's tables): the bytes live here, the outbox row only names the file, and
 * the WeCom sender uploads it (media/upload) when it sends. LONGBLOB on MySQL/MariaDB (a BLOB stops at 64 KB, a
 * MEDIUMBLOB at 16 MB; WeCom takes files up to 20 MB), BLOB on SQLite.
 */
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable });
const instant = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable });

export class OutboundFiles1764029100000 implements MigrationInterface {
  name = 'OutboundFiles1764029100000';

  async up(q: QueryRunner): Promise<void> {
    const blob = q.connection.driver.options.type === 'mysql' || q.connection.driver.options.type === 'mariadb' ? 'longblob' : 'blob';
    await q.createTable(
      new Table({
        name: 'outbound_files',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          str('name', 191),
          str('content_type', 128),
          { name: 'size_bytes', type: 'integer', isNullable: false },
          str('sha256', 64),
          { name: 'content', type: blob, isNullable: false },
          str('purpose', 64),
          str('created_by', 128),
          instant('created_at'),
          str('media_id', 191, true),
          instant('media_expires_at', true),
        ],
        indices: [new TableIndex({ name: 'ix_outbound_files_created_at', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('outbound_files');
  }
}
