/**
 * The sandbox's Sender on SQLite and MariaDB/MySQL: each outbox row lands once per conversation (a re-send after a
 * crash adds nothing); app messages go to every recipient's single chat, webhook messages to the work group; a card
 * update applies to the cards of the clicked card's task; what the sandbox cannot apply is a permanent failure.
 */
import type { OutboundMessage } from '../../src/outbox/outbound-message';
import { SendError } from '../../src/outbox/sender';
import { SANDBOX_GROUP_ID } from '../../src/sandbox/sandbox';
import { SandboxBesideWeComSender, SandboxSender } from '../../src/sandbox/sandbox-sender';
import { SandboxStore } from '../../src/sandbox/sandbox-store';
import { ManualClock } from '../../src/shared/clock';
import { RecordingSender } from '../helpers/recording-sender';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const context = (outboxId: number) => ({ outboxId, dedupeKey: `test:${outboxId}`, attempt: 1 });
const card = (taskId: string) => ({
  msgtype: 'template_card' as const,
  template_card: { card_type: 'button_interaction', task_id: taskId, main_title: { title: '开设备案待审核' }, button_list: [{ text: '通过', key: 'review:approve:7' }] },
});

describe.each(testDatabaseKinds())('the sandbox sender on %s', (kind) => {
  let db: TestDatabase;
  let store: SandboxStore;
  let sender: SandboxSender;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    store = new SandboxStore(db.dataSource, SANDBOX_GROUP_ID);
    sender = new SandboxSender(store, new ManualClock('2026-11-23T01:00:00Z'));
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('puts an app message in every recipient’s conversation once, however often the row is sent', async () => {
    const message: OutboundMessage = { channel: 'app', toUser: ['songzhiwei', 'dujiayan', 'songzhiwei'], body: card('review-7-1') };
    await sender.send(message, context(41));
    await sender.send(message, context(41)); // the lease expired mid-send: the dispatcher sends the row again
    const entries = await store.after(0);
    expect(entries.map((e) => [e.conversation, e.kind, e.taskId, e.channel])).toEqual([
      ['songzhiwei', 'card', 'review-7-1', 'app'],
      ['dujiayan', 'card', 'review-7-1', 'app'],
    ]);
  });

  it('puts a group-bot webhook message, with its mentions, in the work group', async () => {
    await sender.send({ channel: 'webhook', body: { msgtype: 'text', text: { content: '通报（1/1）', mentioned_list: ['zhongyutong', 'shaomingzhe'] } } }, context(42));
    const [entry] = await store.after(0);
    expect(entry).toMatchObject({ conversation: SANDBOX_GROUP_ID, chat: 'group', channel: 'webhook', kind: 'text' });
    expect(entry.body).toEqual({ msgtype: 'text', text: { content: '通报（1/1）', mentioned_list: ['zhongyutong', 'shaomingzhe'] } });
  });

  it('applies a card update to the clicked card’s task, and refuses a response code it never gave out', async () => {
    await sender.send({ channel: 'app', toUser: ['songzhiwei', 'dujiayan'], body: card('review-7-1') }, context(43));
    const [clicked] = await store.after(0);
    await store.append([
      {
        dedupeKey: 'in:click:test',
        conversation: 'songzhiwei',
        direction: 'in',
        kind: 'event',
        userId: 'songzhiwei',
        body: JSON.stringify({ type: 'template_card_event', key: 'review:approve:7', messageId: clicked.id }),
        taskId: 'review-7-1',
        responseCode: 'sandbox-0123456789abcdef',
        channel: 'page',
        outboxId: null,
        createdAt: new Date('2026-11-23T01:01:00Z'),
      },
    ]);
    await sender.send({ channel: 'card-update', toUser: ['songzhiwei', 'dujiayan'], responseCode: 'sandbox-0123456789abcdef', replaceName: '已通过（宋知微）' }, context(44));
    const updates = (await store.after(0)).filter((e) => e.kind === 'card-update');
    expect(updates.map((u) => [u.conversation, u.taskId, u.body.replaceName])).toEqual([
      ['songzhiwei', 'review-7-1', '已通过（宋知微）'],
      ['dujiayan', 'review-7-1', '已通过（宋知微）'],
    ]);
    expect(await store.cardUpdated('dujiayan', 'review-7-1')).toBe(true);

    const unknown = sender.send({ channel: 'card-update', toUser: ['songzhiwei'], responseCode: 'sandbox-ffff', replaceName: 'x' }, context(45));
    await expect(unknown).rejects.toBeInstanceOf(SendError);
    await expect(unknown).rejects.toMatchObject({ retryable: false });
  });

  it('beside WeCom, keeps sandbox replies and sandbox card updates and hands everything else to WeCom', async () => {
    const wecom = new RecordingSender();
    const routed = new SandboxBesideWeComSender(sender, wecom);
    await routed.send({ channel: 'sandbox', conversation: 'zhongyutong', body: { msgtype: 'text', text: { content: '您好' } } }, context(46));
    await routed.send({ channel: 'app', toUser: ['songzhiwei'], body: { msgtype: 'text', text: { content: '新的备案' } } }, context(47));
    await routed.send({ channel: 'card-update', toUser: ['songzhiwei'], responseCode: 'RESPONSE_CODE_FROM_WECOM', replaceName: '已通过' }, context(48));
    expect((await store.after(0)).map((e) => [e.conversation, textOf(e.body)])).toEqual([['zhongyutong', '您好']]);
    expect(wecom.sent.map((s) => s.message.channel)).toEqual(['app', 'card-update']);
  });
});

function textOf(body: Record<string, unknown>): string {
  return String((body.text as { content?: string } | undefined)?.content ?? '');
}
