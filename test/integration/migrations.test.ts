import { createTestDatabase, testDatabaseKinds } from '../helpers/test-databases';

import { migrations } from '../../src/db/migrations';

const TABLES = [
  'inbound_messages',
  'user_locks',
  'outbox',
  'units',
  'contacts',
  'contact_roles',
  'admin_grants',
  'audit_log',
  'accounts',
  'filings',
  'flow_sessions',
  'bulletins',
  'bulletin_recipients',
  'deadlines',
  'deadline_targets',
  'reminders',
  'job_locks',
  'inspection_rounds',
  'findings',
  'inspection_queue',
  'inspection_imports',
  'rectifications',
  'inspection_uploads',
  'sandbox_messages',
  'sandbox_state',
  'outbound_files',
];

describe.each(testDatabaseKinds())('migrations on %s', (kind) => {
  it('create every table, revert cleanly and apply again', async () => {
    const db = await createTestDatabase(kind, { migrate: false });
    try {
      const runner = db.dataSource.createQueryRunner();
      const applied = await db.dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual([
        'InitialSchema1763683200000',
        'Registry1763769600000',
        'FlowSessions1763769700000',
        'Deadlines1763856000000',
        'Bulletins1763856100000',
        'Inspection1763942400000',
        'Sandbox1764028800000',
        'InspectionImport1764028900000',
        'OutboundFiles1764029100000',
      ]);
      for (const table of TABLES) expect(await runner.hasTable(table)).toBe(true);
      expect(await db.dataSource.showMigrations()).toBe(false);

      for (let i = 0; i < migrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
      for (const table of TABLES) expect(await runner.hasTable(table)).toBe(false);
      expect(await db.dataSource.showMigrations()).toBe(true);

      expect(await db.dataSource.runMigrations({ transaction: 'each' })).toHaveLength(migrations.length);
      // utf8mb4 round trip of Chinese text and a four-byte character
      await db.dataSource.query('INSERT INTO audit_log (actor, action, subject, at) VALUES (?, ?, ?, ?)', ['测试', 'check', '东岚发布𠀋', '2026-11-23 01:00:00.000']);
      const [row] = await db.dataSource.query('SELECT subject FROM audit_log');
      expect(row.subject).toBe('东岚发布𠀋');
      await runner.release();
    } finally {
      await db.destroy();
    }
  });
});
