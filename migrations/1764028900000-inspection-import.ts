import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Inspection tables sent to the bot by chat, kept while the admin chooses the round and confirms (inspection_uploads). */
export class InspectionImport1764028900000 implements MigrationInterface {
  name = 'InspectionImport1764028900000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb';
    await q.createTable(
      new Table({
        name: 'inspection_uploads',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'varchar', length: '128', isNullable: false },
          { name: 'file_name', type: 'varchar', length: '191', isNullable: false },
          { name: 'file_sha256', type: 'varchar', length: '64', isNullable: false },
          { name: 'content', type: mysql ? 'longtext' : 'text', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3, isNullable: false },
          { name: 'consumed_at', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'ix_inspection_uploads_user', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('inspection_uploads');
  }
}
