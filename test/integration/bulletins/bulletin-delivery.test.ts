/**
 * A bulletin from the outbox to the fake WeCom through the real WeCom sender and dispatcher, on both databases: a long
 * body reaches the group as several text messages within the byte limit and the rate limit, the liaisons mentioned
 * on the last one; when the group bot answers 45009 the messages wait and are delivered later, none lost or doubled.
 */
import { BulletinEntity } from '../../../src/domain/bulletins/bulletin-entities';
import { WEBHOOK_SPACING_MS } from '../../../src/domain/bulletins/bulletin-messages';
import { publish } from '../../../src/domain/bulletins/bulletin-service';
import { OutboxEntity } from '../../../src/outbox/outbox-entity';
import { OutboxDispatcher } from '../../../src/outbox/outbox-dispatcher';
import { ManualClock } from '../../../src/shared/clock';
import { WebhookClient } from '../../../src/wecom/webhook-client';
import { WEBHOOK_TEXT_MAX_BYTES } from '../../../src/outbox/webhook-text';
import { WeComApiClient } from '../../../src/wecom/wecom-api-client';
import { WeComSender } from '../../../src/wecom/wecom-sender';
import { startFakeWeCom, type FakeWeCom } from '../../fake-wecom';
import { seedRoster } from '../../helpers/seed-roster';
import { testLogger } from '../../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const CORP = 'wwfake0000000001';
const AGENT = 1000002;
const SECRET = 'fake-app-secret-bulletins-0123456789';
const GROUP_KEY = 'bulletin-group-key-0001';
/** 2026-11-20 09:00 in Beijing */
const T0 = new Date('2026-11-20T01:00:00Z');
const LIAISONS = ['luojiahe', 'zhongyutong', 'shaomingzhe'];

/** About 6 KB of Chinese text in numbered paragraphs: three or four group messages. */
const LONG_BODY = Array.from(
  { length: 36 },
  (_, i) => `${i + 1}. 各单位要严格落实政务新媒体内容“三审三校”制度，发布前逐条核对，杜绝错敏字和过时信息。`,
).join('\n');

describe.each(testDatabaseKinds())('bulletin delivery on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeWeCom;
  let clock: ManualClock;
  let dispatcher: OutboxDispatcher;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource, T0);
    fake = await startFakeWeCom({
      clock,
      corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }],
      users: [...LIAISONS, 'songzhiwei'],
      webhookKeys: [GROUP_KEY],
      webhookPerMinute: 20,
    });
    const logger = testLogger();
    const sender = new WeComSender({
      api: new WeComApiClient({ apiBase: fake.baseUrl, corpId: CORP, agentId: AGENT, secret: SECRET, timeoutMs: 2000, clock, logger }),
      webhook: new WebhookClient({ timeoutMs: 2000 }),
      defaultWebhookUrl: fake.webhookUrl(GROUP_KEY),
      timeoutMs: 2000,
      logger,
    });
    dispatcher = new OutboxDispatcher({
      dataSource: db.dataSource,
      sender,
      clock,
      logger,
      config: { pollIntervalMs: 50, batchSize: 50, maxAttempts: 8, leaseSeconds: 30, backoffBaseMs: 1000, backoffMaxMs: 600_000 },
    });
  });

  afterEach(async () => {
    await fake.close();
    await db.destroy();
  });

  const publishAt = async (body: string) => {
    const result = await db.dataSource.transaction((m) =>
      publish(m, { title: '第四季度政务新媒体检查情况通报', body, audience: { kind: 'all' }, createdBy: { userId: 'songzhiwei', name: '宋知微' }, now: clock.now() }, { groupWebhook: true, outboxMaxAttempts: 8 }),
    );
    if (!result.ok) throw new Error(`refused: ${result.code}`);
    return result;
  };
  const webhookRows = async () => (await db.dataSource.getRepository(OutboxEntity).find({ order: { id: 'ASC' } })).filter((r) => r.channel === 'webhook');
  /** Run the dispatcher every `stepMs` of bot time until `until`, as the poll loop would. */
  const runUntil = async (until: number, stepMs = 500) => {
    for (;;) {
      await dispatcher.runOnce();
      if (clock.now().getTime() >= until) return;
      clock.advance(Math.min(stepMs, until - clock.now().getTime()));
    }
  };
  /** The text of the pieces without their headings, joined: what the group can read. */
  const readBack = (contents: string[]) =>
    contents
      .map((c) => c.slice(c.indexOf('\n') + 1))
      .join('\n')
      .replace('\n请以下联络员认真阅读，并在企业微信应用消息的通报卡片上点击“已阅”。', '');

  it('posts a long body as several text messages, each within the byte limit, paced under 20 a minute, the liaisons mentioned on the last', async () => {
    const { bulletin, plan } = await publishAt(LONG_BODY);
    const parts = plan.groupMessages.length;
    expect(parts).toBeGreaterThanOrEqual(3);
    expect(bulletin.groupMessages).toBe(parts);

    await dispatcher.runOnce();
    // only the first group message was due; every card went out at once
    expect(fake.webhookMessages(GROUP_KEY)).toHaveLength(1);
    for (const user of LIAISONS) {
      const cards = fake.deliveredTo(user).filter((d) => d.msgtype === 'template_card');
      expect(cards).toHaveLength(1);
      expect(cards[0].templateCard).toMatchObject({ button_list: [{ text: '已阅', key: `bulletin:ack:${bulletin.id}` }] });
    }

    await runUntil(T0.getTime() + parts * WEBHOOK_SPACING_MS);
    const posted = fake.webhookMessages(GROUP_KEY);
    expect(posted).toHaveLength(parts);
    posted.forEach((m, i) => {
      expect(m.msgtype).toBe('text');
      expect(Buffer.byteLength(m.content ?? '', 'utf8')).toBeLessThanOrEqual(WEBHOOK_TEXT_MAX_BYTES);
      expect(m.content).toMatch(new RegExp(`^【通报】第四季度政务新媒体检查情况通报（${i + 1}/${parts}）\n`));
      expect(m.mentionedList).toEqual(i === parts - 1 ? LIAISONS : []);
      // never before its slot: slots are 3.1 s apart, so no minute holds more than 20 of them
      expect(m.at.getTime()).toBeGreaterThanOrEqual(T0.getTime() + i * WEBHOOK_SPACING_MS);
    });
    expect(readBack(posted.map((m) => m.content ?? ''))).toBe(LONG_BODY);
    expect((await webhookRows()).map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: parts }, () => ['sent', 1]));
  });

  it('after 45009 the group messages wait a minute and are delivered, in order, none lost and none twice', async () => {
    // another sender used 19 of the 20 messages this minute allows
    const other = new WebhookClient({ timeoutMs: 2000 });
    for (let i = 0; i < 19; i++) await other.send(fake.webhookUrl(GROUP_KEY), { msgtype: 'text', text: { content: `其他消息 ${i + 1}` } });

    const { plan } = await publishAt(LONG_BODY);
    const parts = plan.groupMessages.length;
    expect(parts).toBeGreaterThanOrEqual(3);

    await runUntil(T0.getTime() + (parts - 1) * WEBHOOK_SPACING_MS);
    // the first fits into the minute; the rest are refused with 45009 and wait, with one attempt used
    let rows = await webhookRows();
    expect(rows[0]).toMatchObject({ status: 'sent', attempts: 1 });
    for (const row of rows.slice(1)) {
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.lastError).toContain('45009');
      expect(new Date(row.nextAttemptAt).getTime()).toBeGreaterThanOrEqual(T0.getTime() + 60_000);
    }
    const refused = fake.requests('/cgi-bin/webhook/send').length - fake.webhookMessages(GROUP_KEY).length;
    expect(refused).toBe(parts - 1);

    await runUntil(T0.getTime() + 60_000 + (parts + 1) * WEBHOOK_SPACING_MS);
    rows = await webhookRows();
    expect(rows.map((r) => r.status)).toEqual(Array.from({ length: parts }, () => 'sent'));
    const ours = fake.webhookMessages(GROUP_KEY).filter((m) => m.content?.startsWith('【通报】'));
    expect(ours.map((m) => m.content)).toEqual(plan.groupMessages.map((m) => (m.msgtype === 'text' ? m.text.content : '')));
    expect(ours[ours.length - 1].mentionedList).toEqual(LIAISONS);
    expect(readBack(ours.map((m) => m.content ?? ''))).toBe(LONG_BODY);
    // the group never got more than 20 messages in any minute
    const times = fake.webhookMessages(GROUP_KEY).map((m) => m.at.getTime());
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(20);

    // later rounds of the dispatcher change nothing: nothing is sent twice
    clock.advance(10 * 60_000);
    await dispatcher.runOnce();
    expect(fake.webhookMessages(GROUP_KEY).filter((m) => m.content?.startsWith('【通报】'))).toHaveLength(parts);
    expect(await db.dataSource.getRepository(OutboxEntity).count({ where: { status: 'dead' } })).toBe(0);
    expect(await db.dataSource.getRepository(BulletinEntity).count()).toBe(1);
  });
});
