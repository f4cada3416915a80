import { createInboxInsert, type NewInboxRow } from '../../src/chat/inbox-insert';
import { InboxEntity } from '../../src/chat/inbox-entity';
import { readInstant } from '../../src/db/raw-sql';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

let seq = 0;
function row(extra: Partial<NewInboxRow> = {}): NewInboxRow {
  seq++;
  return {
    channel: 'app',
    msgKey: `msg-${seq}`,
    userId: 'luojiahe',
    chatType: 'single',
    chatId: null,
    msgType: 'text',
    text: '帮助',
    payload: JSON.stringify({ text: '帮助' }),
    receivedAt: new Date('2026-11-23T01:02:03.456Z'),
    ...extra,
  };
}

describe.each(testDatabaseKinds())('storing accepted callbacks on %s', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('stores a message once: the same key again is reported as not new', async () => {
    const insert = createInboxInsert(db.dataSource);
    const first = row();
    expect(await insert(first)).toBe(true);
    expect(await insert({ ...first, text: 'again' })).toBe(false);
    const stored = await db.dataSource.getRepository(InboxEntity).find();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ msgKey: first.msgKey, text: '帮助', status: 'received', attempts: 0, userId: 'luojiahe' });
    expect(stored[0]!.receivedAt.toISOString()).toBe('2026-11-23T01:02:03.456Z');
  });

  it('stores concurrent callbacks, each with its own outcome', async () => {
    const insert = createInboxInsert(db.dataSource);
    const rows = Array.from({ length: 30 }, () => row());
    const outcomes = await Promise.all([...rows, rows[3]!, rows[7]!].map((r) => insert(r)));
    expect(outcomes.filter(Boolean)).toHaveLength(30);
    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(30);
  });

  it('writes a burst in arrival order and tells each retry in it apart, row by row', async () => {
    const insert = createInboxInsert(db.dataSource);
    const earlier = row();
    expect(await insert(earlier)).toBe(true);
    const burst = Array.from({ length: 12 }, () => row());
    // a retry of a message stored before, and a retry of one in the same burst
    const sent = [...burst.slice(0, 5), { ...earlier }, ...burst.slice(5), { ...burst[2]! }];
    const outcomes = await Promise.all(sent.map((r) => insert(r)));
    expect(outcomes).toEqual(sent.map((_, i) => i !== 5 && i !== sent.length - 1));
    const stored = await db.dataSource.getRepository(InboxEntity).find({ order: { id: 'ASC' } });
    expect(stored.map((m) => m.msgKey)).toEqual([earlier, ...burst].map((r) => r.msgKey));
  });

  it('writes the callbacks that arrive together in one go, not one write each', async () => {
    const insert = createInboxInsert(db.dataSource);
    const rows = Array.from({ length: 10 }, () => row());
    if (kind === 'sqlite') {
      const connection = (db.dataSource.driver as unknown as { databaseConnection: { transaction: (...args: unknown[]) => unknown } }).databaseConnection;
      const transactions = jest.spyOn(connection, 'transaction');
      expect(await Promise.all(rows.map((r) => insert(r)))).toEqual(rows.map(() => true));
      expect(transactions).toHaveBeenCalledTimes(1); // one transaction, one commit, for the turn's ten callbacks
    } else {
      const writes = jest.spyOn(db.dataSource, 'createQueryRunner');
      expect(await Promise.all(rows.map((r) => insert(r)))).toEqual(rows.map(() => true));
      expect(writes).toHaveBeenCalledTimes(2); // the first alone, the nine that came while it was written together
    }
    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(10);
  });

  it('a row that cannot be stored fails alone; the others of its burst are stored', async () => {
    const insert = createInboxInsert(db.dataSource);
    const rows = Array.from({ length: 6 }, () => row());
    const broken = { ...row(), userId: null as unknown as string }; // user_id is NOT NULL
    const outcomes = await Promise.allSettled([...rows.slice(0, 3), broken, ...rows.slice(3)].map((r) => insert(r)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(outcomes.filter((o) => o.status === 'fulfilled').every((o) => (o as PromiseFulfilledResult<boolean>).value)).toBe(true);
    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(6);
  });

  if (kind === 'sqlite') {
    it('writes a callback that arrives during a transaction right after it, before the next waiting transaction', async () => {
      const insert = createInboxInsert(db.dataSource);
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = db.dataSource.transaction(async (manager) => {
        await manager.query('SELECT 1');
        await held;
        order.push('first transaction ends');
      });
      await new Promise((resolve) => setImmediate(resolve));
      const second = db.dataSource.transaction(async (manager) => {
        const count = await manager.getRepository(InboxEntity).count();
        order.push(`second transaction sees ${count}`);
      });
      const stored = insert(row()).then((isNew) => order.push(`stored ${isNew}`));
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual([]); // the connection is held: nothing written yet
      release();
      await Promise.all([first, second, stored]);
      expect(order).toEqual(['first transaction ends', 'stored true', 'second transaction sees 1']);
    });

    it('reads back datetime text as UTC', () => {
      expect(readInstant('2026-11-23 01:02:03.456').toISOString()).toBe('2026-11-23T01:02:03.456Z');
    });
  }
});
