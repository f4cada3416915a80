import type { OutboxConfig } from '../../src/config/app-config';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher';
import { enqueueOutbox, type OutboxItem } from '../../src/outbox/outbox-writer';
import { SendError } from '../../src/outbox/sender';
import { ManualClock } from '../../src/shared/clock';
import { RecordingSender } from '../helpers/recording-sender';
import { testLogger } from '../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const config: OutboxConfig = {
  pollIntervalMs: 50,
  batchSize: 10,
  maxAttempts: 3,
  leaseSeconds: 30,
  backoffBaseMs: 1000,
  backoffMaxMs: 60000,
};

const item = (n: number, toUser = `user${n}`): OutboxItem => ({
  dedupeKey: `test:${n}`,
  origin: 'test',
  message: { channel: 'app', toUser: [toUser], body: { msgtype: 'text', text: { content: `消息 ${n}` } } },
});

describe.each(testDatabaseKinds())('outbox on %s', (kind) => {
  let db: TestDatabase;
  let clock: ManualClock;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    clock = new ManualClock('2026-11-23T01:00:00Z');
  });
  afterEach(async () => db.destroy());

  const rows = () => db.dataSource.getRepository(OutboxEntity).find({ order: { id: 'ASC' } });
  const dispatcher = (sender: RecordingSender, extra: Partial<ConstructorParameters<typeof OutboxDispatcher>[0]> = {}) =>
    new OutboxDispatcher({ dataSource: db.dataSource, sender, clock, logger: testLogger(), config, ...extra });

  it('writes rows only when the surrounding transaction commits, and ignores a repeated dedupe key', async () => {
    await expect(
      db.dataSource.transaction(async (manager) => {
        await enqueueOutbox(manager, [item(1)], clock.now(), 3);
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await rows()).toHaveLength(0);

    const first = await db.dataSource.transaction((m) => enqueueOutbox(m, [item(1), item(2)], clock.now(), 3));
    const again = await db.dataSource.transaction((m) => enqueueOutbox(m, [item(1)], clock.now(), 3));
    expect(first).toBe(2);
    expect(again).toBe(0);
    expect((await rows()).map((r) => r.dedupeKey)).toEqual(['test:1', 'test:2']);
  });

  it('sends due rows once and marks them sent; rows not yet due wait', async () => {
    await db.dataSource.transaction((m) =>
      enqueueOutbox(m, [item(1), { ...item(2), notBefore: new Date(clock.now().getTime() + 60000) }], clock.now(), 3),
    );
    const sender = new RecordingSender();
    const d = dispatcher(sender);
    expect(await d.runOnce()).toBe(1);
    expect(await d.runOnce()).toBe(0);
    expect(sender.textsTo('user1')).toEqual(['消息 1']);
    clock.advance(60000);
    expect(await d.runOnce()).toBe(1);
    const stored = await rows();
    expect(stored.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(stored[0].attempts).toBe(1);
    expect(stored[0].leaseToken).toBeNull();
  });

  it('retries a retryable failure with back-off, then marks it dead and tells the admins once', async () => {
    await db.dataSource.transaction((m) => enqueueOutbox(m, [item(1)], clock.now(), 3));
    const sender = new RecordingSender();
    sender.failWith = (message) =>
      message.channel === 'app' && message.toUser.includes('user1') ? new SendError('errcode -1 system busy', true) : undefined;
    const notices: number[] = [];
    const d = dispatcher(sender, {
      deadLetterNotices: async (row) => {
        notices.push(row.id);
        return [
          {
            dedupeKey: `dead-letter:${row.id}`,
            origin: 'dead-letter',
            message: { channel: 'app', toUser: ['admin1'], body: { msgtype: 'text', text: { content: `dead ${row.id}` } } },
          },
        ];
      },
    });
    await d.runOnce();
    let [row] = await rows();
    expect(row.status).toBe('pending');
    expect(row.attempts).toBe(1);
    expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() + 1000);
    expect(await d.runOnce()).toBe(0); // back-off not over
    clock.advance(2000);
    await d.runOnce();
    [row] = await rows();
    expect(row.attempts).toBe(2);
    clock.advance(10000);
    await d.runOnce();
    const all = await rows();
    expect(all[0].status).toBe('dead');
    expect(all[0].attempts).toBe(3);
    expect(all[0].lastError).toContain('system busy');
    expect(notices).toEqual([all[0].id]);
    expect(all[1].dedupeKey).toBe(`dead-letter:${all[0].id}`);
    await d.runOnce();
    expect(sender.textsTo('admin1')).toEqual([`dead ${all[0].id}`]);
  });

  it('gives up at once on a fatal error and honours retryAfter of a rate limit', async () => {
    await db.dataSource.transaction((m) => enqueueOutbox(m, [item(1), item(2)], clock.now(), 3));
    const sender = new RecordingSender();
    sender.failWith = (message) => {
      if (message.channel !== 'app') return undefined;
      if (message.toUser.includes('user1')) return new SendError('errcode 81013 all recipients invalid', false);
      return new SendError('errcode 45009 frequency limit', true, 60000);
    };
    await dispatcher(sender).runOnce();
    const [fatal, limited] = await rows();
    expect(fatal.status).toBe('dead');
    expect(fatal.attempts).toBe(1);
    expect(limited.status).toBe('pending');
    expect(limited.nextAttemptAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(60000);
  });

  it('marks a message identical to one sent shortly before, so a duplicate check does not swallow it', async () => {
    const same = (key: string): OutboxItem => ({ ...item(1), dedupeKey: key });
    await db.dataSource.transaction((m) => enqueueOutbox(m, [same('a'), same('b')], clock.now(), 3));
    const sender = new RecordingSender();
    await dispatcher(sender).runOnce();
    expect(sender.sent.map((s) => [s.context.dedupeKey, s.context.repeatsRecentMessage])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  it('two dispatchers running at once send every row exactly once', async () => {
    const items = Array.from({ length: 40 }, (_, i) => item(i + 1));
    await db.dataSource.transaction((m) => enqueueOutbox(m, items, clock.now(), 3));
    const sender = new RecordingSender();
    const a = dispatcher(sender, { instanceId: 'a' });
    const b = dispatcher(sender, { instanceId: 'b' });
    for (let round = 0; round < 6; round++) await Promise.all([a.runOnce(), b.runOnce()]);
    const keys = sender.sent.map((s) => s.context.dedupeKey).sort();
    expect(keys).toEqual(items.map((i) => i.dedupeKey).sort());
    expect((await rows()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('takes over a row whose lease expired (its dispatcher died mid-send)', async () => {
    await db.dataSource.transaction((m) => enqueueOutbox(m, [item(1)], clock.now(), 3));
    // a dispatcher claimed it and died: status sending with a lease
    await db.dataSource
      .getRepository(OutboxEntity)
      .update({ dedupeKey: 'test:1' }, { status: 'sending', leaseToken: 'dead-instance:x', leaseUntil: new Date(clock.now().getTime() + 30000) });
    const sender = new RecordingSender();
    const d = dispatcher(sender);
    expect(await d.runOnce()).toBe(0);
    clock.advance(31000);
    expect(await d.runOnce()).toBe(1);
    expect(sender.sent).toHaveLength(1);
    expect((await rows())[0].status).toBe('sent');
  });

  it('runs by itself once started and wakes up on demand', async () => {
    const sender = new RecordingSender();
    const d = dispatcher(sender);
    d.start();
    await db.dataSource.transaction((m) => enqueueOutbox(m, [item(7)], clock.now(), 3));
    d.wake();
    const deadline = Date.now() + 5000;
    while (sender.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await d.stop();
    expect(sender.textsTo('user7')).toEqual(['消息 7']);
  });
});
