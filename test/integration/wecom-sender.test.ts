/** WeComSender: every outbox channel against the fake WeCom, error mapping, robot response_url fallback. */
import type { OutboundMessage } from '../../src/outbox/outbound-message';
import { SendError, type SendContext } from '../../src/outbox/sender';
import { ManualClock } from '../../src/shared/clock';
import { WebhookClient } from '../../src/wecom/webhook-client';
import { WeComApiClient } from '../../src/wecom/wecom-api-client';
import { WeComSender } from '../../src/wecom/wecom-sender';
import { startFakeWeCom, type FakeWeCom } from '../fake-wecom';
import { testLogger } from '../helpers/silent-logger';

const CORP = 'wwfake0000000001';
const AGENT = 1000002;
const SECRET = 'fake-app-secret-0123456789abcdefghijklmno';
const GROUP_KEY = 'aaaaaaaa-1111-2222-3333-bbbbbbbbbbbb';
const OTHER_KEY = 'cccccccc-4444-5555-6666-dddddddddddd';
const T0 = new Date('2025-03-03T01:00:00Z');
const ctx: SendContext = { outboxId: 42, dedupeKey: 'test:42', attempt: 1 };

describe('WeComSender', () => {
  let fake: FakeWeCom;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(T0);
    fake = await startFakeWeCom({
      clock,
      corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }],
      users: ['zhangsan', 'lisi', 'wangwu'],
      webhookKeys: [GROUP_KEY, OTHER_KEY],
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    clock.set(T0);
    fake.reset({ tokens: true });
  });

  function sender(opts: { withApp?: boolean; defaultWebhook?: boolean } = {}): WeComSender {
    const logger = testLogger();
    const api =
      opts.withApp === false
        ? undefined
        : new WeComApiClient({ apiBase: fake.baseUrl, corpId: CORP, agentId: AGENT, secret: SECRET, timeoutMs: 2000, clock, logger });
    return new WeComSender({
      api,
      webhook: new WebhookClient({ timeoutMs: 2000 }),
      defaultWebhookUrl: opts.defaultWebhook === false ? undefined : fake.webhookUrl(GROUP_KEY),
      timeoutMs: 2000,
      logger,
    });
  }

  async function sendError(s: WeComSender, message: OutboundMessage): Promise<SendError> {
    const outcome = await s.send(message, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(SendError);
    return outcome as SendError;
  }

  describe("channel 'app'", () => {
    it('sends through message/send and returns msgid and rejected recipients', async () => {
      const result = await sender().send({ channel: 'app', toUser: ['zhangsan', 'ZhaoLiu'], body: { msgtype: 'text', text: { content: '【提醒】周五前报送' } } }, ctx);
      expect(result).toEqual({ remoteId: fake.appMessages()[0].msgid, rejectedRecipients: ['zhaoliu'] });
      expect(fake.deliveredTo('zhangsan')[0].content).toBe('【提醒】周五前报送');
    });

    it('fails without retry, naming the variables, when no app is configured', async () => {
      const err = await sendError(sender({ withApp: false }), { channel: 'app', toUser: ['zhangsan'], body: { msgtype: 'text', text: { content: 'x' } } });
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/WECOM_CORP_ID.*WECOM_AGENT_ID.*WECOM_SECRET/);
      expect(fake.calls('/cgi-bin/message/send')).toBe(0);
    });

    it('maps WeCom errors: 45009 retryable after ≥1 s, -2 retryable, 81013 final', async () => {
      const s = sender();
      const msg: OutboundMessage = { channel: 'app', toUser: ['lisi'], body: { msgtype: 'text', text: { content: 'x' } } };
      fake.inject({ path: '/cgi-bin/message/send', errcode: 45009 });
      const limited = await sendError(s, msg);
      expect(limited.retryable).toBe(true);
      expect(limited.retryAfterMs).toBeGreaterThanOrEqual(1000);

      fake.inject({ path: '/cgi-bin/message/send', httpStatus: 503 });
      const outage = await sendError(s, msg);
      expect(outage.retryable).toBe(true);

      const invalid = await sendError(s, { channel: 'app', toUser: ['ghost'], body: { msgtype: 'text', text: { content: 'x' } } });
      expect(invalid.retryable).toBe(false);
      expect(invalid.message).toContain('81013');
      for (const e of [limited, outage, invalid]) for (const t of fake.issuedTokens()) expect(e.message).not.toContain(t);
    });
  });

  describe("channel 'webhook'", () => {
    it('uses the message URL, else the default group', async () => {
      const s = sender();
      await s.send({ channel: 'webhook', webhookUrl: fake.webhookUrl(OTHER_KEY), body: { msgtype: 'markdown', markdown: { content: '请 <@lisi> 反馈' } } }, ctx);
      const result = await s.send({ channel: 'webhook', body: { msgtype: 'text', text: { content: '默认群', mentioned_list: ['wangwu'] } } }, ctx);
      expect(result).toEqual({});
      expect(fake.webhookMessages(OTHER_KEY).map((m) => m.markdownMentions)).toEqual([['lisi']]);
      expect(fake.webhookMessages(GROUP_KEY).map((m) => m.mentionedList)).toEqual([['wangwu']]);
    });

    it('fails without retry when there is neither a URL nor a default group', async () => {
      const err = await sendError(sender({ defaultWebhook: false }), { channel: 'webhook', body: { msgtype: 'text', text: { content: 'x' } } });
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('WECOM_GROUP_WEBHOOK_URL');
    });

    it('oversized content is final; an unknown key is final and not shown', async () => {
      const s = sender();
      const big = await sendError(s, { channel: 'webhook', body: { msgtype: 'text', text: { content: 'x'.repeat(2049) } } });
      expect(big.retryable).toBe(false);
      expect(big.message).toContain('2048');
      const unknown = await sendError(s, { channel: 'webhook', webhookUrl: fake.webhookUrl('secret-unknown-key'), body: { msgtype: 'text', text: { content: 'x' } } });
      expect(unknown.retryable).toBe(false);
      expect(unknown.message).toContain('93000');
      expect(unknown.message).not.toContain('secret-unknown-key');
    });

    it('45009 on a webhook asks for at least one minute', async () => {
      fake.inject({ path: '/cgi-bin/webhook/send', errcode: 45009 });
      const err = await sendError(sender(), { channel: 'webhook', body: { msgtype: 'text', text: { content: 'x' } } });
      expect(err.retryable).toBe(true);
      expect(err.retryAfterMs).toBeGreaterThanOrEqual(60_000);
    });
  });

  describe("channel 'robot-response'", () => {
    const markdown = (content: string) => ({ msgtype: 'markdown' as const, markdown: { content } });

    it('answers through the response_url, then falls back to the app once the URL is used', async () => {
      const s = sender();
      const responseUrl = fake.mintResponseUrl({ chatType: 'group', chatId: 'wrkGroupA', userId: 'wangwu' });
      const first = await s.send({ channel: 'robot-response', responseUrl, toUser: 'wangwu', body: markdown('已登记您的请假') }, ctx);
      expect(first).toEqual({});
      expect(fake.robotResponses()).toEqual([expect.objectContaining({ chatType: 'group', content: '已登记您的请假' })]);
      expect(fake.appMessages()).toHaveLength(0);

      const second = await s.send({ channel: 'robot-response', responseUrl, toUser: 'wangwu', body: markdown('**周三 14:00** 会议另行通知') }, ctx);
      expect(fake.robotResponses()).toHaveLength(1);
      const [delivered] = fake.deliveredTo('wangwu');
      expect(delivered.msgtype).toBe('markdown');
      expect(delivered.content).toBe('**周三 14:00** 会议另行通知');
      expect(second.remoteId).toBe(delivered.msgid);
    });

    it('falls back when the response_url expired (1 h)', async () => {
      const s = sender();
      const responseUrl = fake.mintResponseUrl({ chatType: 'single', userId: 'lisi' });
      clock.advance(60 * 60_000 + 1);
      await s.send({ channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('迟到的回答') }, ctx);
      expect(fake.robotResponses()).toHaveLength(0);
      expect(fake.deliveredTo('lisi').map((d) => d.content)).toEqual(['迟到的回答']);
    });

    it('falls back on an HTTP 4xx from the response_url', async () => {
      const responseUrl = fake.mintResponseUrl({ userId: 'lisi' });
      fake.inject({ path: '/cgi-bin/aibot/response', httpStatus: 404 });
      await sender().send({ channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('x') }, ctx);
      expect(fake.deliveredTo('lisi')).toHaveLength(1);
    });

    it('a refused response_url without an app is a final error naming the variables', async () => {
      const responseUrl = fake.mintResponseUrl({ userId: 'lisi' });
      const s = sender({ withApp: false });
      await s.send({ channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('once') }, ctx);
      const err = await sendError(s, { channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('twice') });
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('WECOM_CORP_ID');
    });

    it('a response_url outage is retryable and does not fall back (the URL may still work)', async () => {
      const responseUrl = fake.mintResponseUrl({ userId: 'lisi' });
      fake.inject({ path: '/cgi-bin/aibot/response', httpStatus: 502 });
      const err = await sendError(sender(), { channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('x') });
      expect(err.retryable).toBe(true);
      expect(fake.appMessages()).toHaveLength(0);
      await sender().send({ channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('x') }, ctx);
      expect(fake.robotResponses()).toHaveLength(1);
    });

    it('markdown over 20480 bytes is final and not sent anywhere', async () => {
      const responseUrl = fake.mintResponseUrl({ userId: 'lisi' });
      const err = await sendError(sender(), { channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('汉'.repeat(6827)) });
      expect(err.retryable).toBe(false);
      expect(fake.calls('/cgi-bin/aibot/response')).toBe(0);
      expect(fake.appMessages()).toHaveLength(0);
    });

    it('posts to the response_url verbatim, query included', async () => {
      const responseUrl = `${fake.mintResponseUrl({ userId: 'lisi' })}&extra=%E4%B8%AD`;
      await sender().send({ channel: 'robot-response', responseUrl, toUser: 'lisi', body: markdown('ok') }, ctx);
      const [request] = fake.requests('/cgi-bin/aibot/response');
      expect(request.query.extra).toBe('中');
      expect(JSON.parse(request.body)).toEqual(markdown('ok'));
    });

    it('a template card refused in a group context falls back to an app card', async () => {
      const responseUrl = fake.mintResponseUrl({ chatType: 'group', chatId: 'wrkGroupA', userId: 'zhangsan' });
      const card = {
        card_type: 'text_notice',
        main_title: { title: '会议通知' },
        card_action: { type: 1, url: 'https://oa.example.gov.cn/notice/1' },
      };
      await sender().send({ channel: 'robot-response', responseUrl, toUser: 'zhangsan', body: { msgtype: 'template_card', template_card: card } }, ctx);
      const [delivered] = fake.deliveredTo('zhangsan');
      expect(delivered.msgtype).toBe('template_card');
      expect(delivered.templateCard).toEqual(card);
    });
  });

  it("channel 'sandbox' is refused without retry", async () => {
    const err = await sendError(sender(), { channel: 'sandbox', conversation: 'zhangsan', body: { msgtype: 'text', text: { content: 'x' } } });
    expect(err.retryable).toBe(false);
    expect(fake.calls('/cgi-bin/message/send')).toBe(0);
  });
});
