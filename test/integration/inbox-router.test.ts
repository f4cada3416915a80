import { ChatRouter } from '../../src/chat/chat-router';
import type { InboundMessage } from '../../src/chat/inbound-message';
import { Inbox, SYSTEM_BUSY_TEXT } from '../../src/chat/inbox';
import { InboxEntity } from '../../src/chat/inbox-entity';
import type { MessageHandler } from '../../src/chat/message-handler';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher';
import { ManualClock } from '../../src/shared/clock';
import { RecordingSender } from '../helpers/recording-sender';
import { seedRoster } from '../helpers/seed-roster';
import { testLogger } from '../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const outboxConfig = { pollIntervalMs: 50, batchSize: 50, maxAttempts: 3, leaseSeconds: 30, backoffBaseMs: 1000, backoffMaxMs: 60000 };

let seq = 0;
function text(userId: string, content: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  seq++;
  return {
    channel: 'app',
    msgKey: `74523012345678${String(seq).padStart(5, '0')}`,
    userId,
    chatType: 'single',
    msgType: 'text',
    text: content,
    createdAt: new Date('2026-11-23T01:00:00Z'),
    ...extra,
  };
}

describe.each(testDatabaseKinds())('inbox and router on %s', (kind) => {
  let db: TestDatabase;
  let clock: ManualClock;
  let sender: RecordingSender;
  let dispatcher: OutboxDispatcher;
  const makeInbox = (handler: MessageHandler, instanceId?: string) =>
    new Inbox({ dataSource: db.dataSource, clock, logger: testLogger(), handler, outboxMaxAttempts: 3, instanceId });
  const router = () => new ChatRouter({ officeContact: '区政府办公室政务公开办（0123-6800001）' });

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    clock = new ManualClock('2026-11-23T01:00:00Z');
    sender = new RecordingSender();
    dispatcher = new OutboxDispatcher({ dataSource: db.dataSource, sender, clock, logger: testLogger(), config: outboxConfig });
    await seedRoster(db.dataSource);
  });
  afterEach(async () => db.destroy());

  it('answers 帮助 to a known liaison and stores the message once even when WeCom retries it', async () => {
    const inbox = makeInbox(router());
    const message = text('zhongyutong', '帮助');
    expect(await inbox.accept(message)).toBe('accepted');
    expect(await inbox.accept({ ...message })).toBe('duplicate');
    await inbox.idle();
    await dispatcher.runOnce();
    const replies = sender.textsTo('zhongyutong');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('钟雨桐您好');
    expect(replies[0]).toContain('联络员');
    expect(replies[0]).toContain('帮助');
    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(1);
  });

  it('a second instance sharing the database also recognises the retry', async () => {
    const a = makeInbox(router(), 'a');
    const b = makeInbox(router(), 'b');
    const message = text('zhongyutong', '帮助');
    const results = await Promise.all([a.accept(message), b.accept({ ...message })]);
    expect(results.sort()).toEqual(['accepted', 'duplicate']);
    await Promise.all([a.idle(), b.idle()]);
    await dispatcher.runOnce();
    expect(sender.textsTo('zhongyutong')).toHaveLength(1);
  });

  it('tells an unknown user whom to contact and the admins once, however often they write', async () => {
    const inbox = makeInbox(router());
    await inbox.accept(text('stranger01', '你好'));
    await inbox.accept(text('stranger01', '帮助'));
    await inbox.idle();
    await dispatcher.runOnce();
    const answers = sender.textsTo('stranger01');
    expect(answers).toHaveLength(2);
    expect(answers[0]).toContain('区政府办公室政务公开办（0123-6800001）');
    const adminNotices = sender.sent.filter((s) => s.context.dedupeKey === 'unknown-user:stranger01');
    expect(adminNotices).toHaveLength(1);
    const notice = adminNotices[0].message;
    expect(notice.channel === 'app' && notice.toUser.sort()).toEqual(['baizhenhua', 'luojiahe', 'songzhiwei']);
  });

  it('handles one user\'s messages in order', async () => {
    const order: string[] = [];
    const handler: MessageHandler = {
      async handle(message, context) {
        // the first message is slow; the second must still come after it
        if (message.text === '一') await new Promise((r) => setTimeout(r, 50));
        order.push(message.text ?? '');
        context.reply(`收到${message.text}`);
      },
    };
    const inbox = makeInbox(handler);
    await inbox.accept(text('zhongyutong', '一'));
    await inbox.accept(text('zhongyutong', '二'));
    await inbox.accept(text('zhongyutong', '三'));
    await inbox.idle();
    expect(order).toEqual(['一', '二', '三']);
    await dispatcher.runOnce();
    expect(sender.textsTo('zhongyutong')).toEqual(['收到一', '收到二', '收到三']);
  });

  it('drains a burst of one user\'s messages in one pass, not one pass per message', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const handler: MessageHandler = {
      async handle(message, context) {
        if (message.text === '0') await blocked;
        order.push(message.text ?? '');
        context.reply(`收到${message.text}`);
      },
    };
    const inbox = makeInbox(handler);
    const drains = jest.spyOn(inbox as unknown as { drainUser(userId: string): Promise<void> }, 'drainUser');
    const texts = Array.from({ length: 30 }, (_, i) => String(i));
    await inbox.accept(text('zhongyutong', texts[0]));
    // the rest arrive while the first is being processed (on SQLite they are stored once its transaction ends)
    const more = texts.slice(1).map((t) => inbox.accept(text('zhongyutong', t)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await Promise.all(more)).toEqual(texts.slice(1).map(() => 'accepted'));
    await inbox.idle();
    expect(order).toEqual(texts);
    // the first drain, and at most one more for what arrived after its last read
    expect(drains.mock.calls.length).toBeLessThanOrEqual(2);
    // a message stored after the drains ended starts a new one
    await inbox.accept(text('zhongyutong', '30'));
    await inbox.idle();
    expect(order.at(-1)).toBe('30');
    await dispatcher.runOnce();
    expect(sender.textsTo('zhongyutong')).toHaveLength(31);
  });

  it('does not retry a failed message at once because more arrived meanwhile: the order waits for the sweep', async () => {
    const calls: string[] = [];
    const handler: MessageHandler = {
      async handle(message, context) {
        calls.push(message.text ?? '');
        if (message.text === '一') {
          await new Promise((r) => setTimeout(r, 30));
          throw new Error('boom');
        }
        context.reply(`收到${message.text}`);
      },
    };
    const inbox = makeInbox(handler);
    await inbox.accept(text('zhongyutong', '一'));
    await new Promise((r) => setTimeout(r, 5)); // '一' is being processed
    await Promise.all([inbox.accept(text('zhongyutong', '二')), inbox.accept(text('zhongyutong', '三'))]);
    await inbox.idle();
    expect(calls).toEqual(['一']); // one attempt; '二' and '三' stay behind it
    const stored = await db.dataSource.getRepository(InboxEntity).find({ order: { id: 'ASC' } });
    expect(stored.map((m) => [m.text, m.status, m.attempts])).toEqual([
      ['一', 'received', 1],
      ['二', 'received', 0],
      ['三', 'received', 0],
    ]);
  });

  it('rolls back a failing handler, retries it, and after the last attempt tells the user politely', async () => {
    let calls = 0;
    const handler: MessageHandler = {
      async handle(_message, context) {
        calls++;
        context.reply('不应发出');
        throw new Error('boom');
      },
    };
    const inbox = makeInbox(handler);
    await inbox.accept(text('zhongyutong', '帮助'));
    await inbox.idle();
    expect(calls).toBe(1);
    const [stored] = await db.dataSource.getRepository(InboxEntity).find();
    expect(stored.status).toBe('received');
    expect(stored.lastError).toContain('boom');
    expect(await db.dataSource.getRepository(OutboxEntity).count()).toBe(0);
    await inbox.sweep();
    await inbox.idle();
    await inbox.sweep();
    await inbox.idle();
    expect(calls).toBe(3);
    const [failed] = await db.dataSource.getRepository(InboxEntity).find();
    expect(failed.status).toBe('failed');
    await dispatcher.runOnce();
    expect(sender.textsTo('zhongyutong')).toEqual([SYSTEM_BUSY_TEXT]);
  });

  it('picks up a stored message left unprocessed by a crash (sweep at start-up)', async () => {
    // stored by an instance that died before processing
    const crashed = makeInbox({ handle: async () => new Promise(() => undefined) }, 'crashed');
    void crashed; // never processes
    await db.dataSource.getRepository(InboxEntity).insert({
      channel: 'app',
      msgKey: 'left-behind',
      userId: 'shaomingzhe',
      chatType: 'single',
      msgType: 'text',
      text: '我是谁',
      payload: JSON.stringify(text('shaomingzhe', '我是谁', { msgKey: 'left-behind' })),
      status: 'received',
      attempts: 0,
      receivedAt: clock.now(),
    });
    const inbox = makeInbox(router());
    expect(await inbox.sweep()).toBe(1);
    await inbox.idle();
    await dispatcher.runOnce();
    const [answer] = sender.textsTo('shaomingzhe');
    expect(answer).toContain('东岚区教育和体育局（DL003）— 联络员');
    expect(answer).toContain('15200001941');
  });

  it('never shows a full phone number in a group', async () => {
    const inbox = makeInbox(router());
    await inbox.accept(
      text('zhongyutong', '我是谁', {
        channel: 'robot',
        chatType: 'group',
        chatId: 'wrkGrpA1',
        msgType: 'text',
        responseUrl: 'http://127.0.0.1:9/cgi-bin/aibot/response?response_code=RC1',
      }),
    );
    await inbox.idle();
    await dispatcher.runOnce();
    const [answer] = sender.textsTo('zhongyutong');
    expect(answer).toContain('177****0218');
    expect(answer).not.toContain('17700000218');
    expect(sender.sent[0].message.channel).toBe('robot-response');
  });

  it('refuses an admin-only command to a liaison with the reason', async () => {
    const adminOnly = {
      names: ['审核'],
      summary: '审核备案',
      audience: 'admin' as const,
      run: async ({ context }: { context: { reply(t: string): void } }) => context.reply('待审核：无'),
    };
    const inbox = makeInbox(new ChatRouter({ officeContact: '政务公开办', commands: [adminOnly] }));
    await inbox.accept(text('zhongyutong', '审核'));
    await inbox.accept(text('songzhiwei', '审核'));
    await inbox.idle();
    await dispatcher.runOnce();
    expect(sender.textsTo('zhongyutong')[0]).toContain('仅限政务公开办管理员使用');
    expect(sender.textsTo('songzhiwei')).toEqual(['待审核：无']);
  });
});
