/** WebhookClient (group-bot webhook) against the fake WeCom, plus the splitting and mention helpers. */
import { ManualClock } from '../../src/shared/clock';
import { WebhookClient, mentionMarkdown } from '../../src/wecom/webhook-client';
import { WEBHOOK_MARKDOWN_MAX_BYTES, WEBHOOK_TEXT_MAX_BYTES, splitForWebhook } from '../../src/outbox/webhook-text';
import { TRANSPORT_ERRCODE } from '../../src/wecom/wecom-api-error';
import { WeComSender } from '../../src/wecom/wecom-sender';
import { SendError } from '../../src/outbox/sender';
import { startFakeWeCom, type FakeWeCom } from '../fake-wecom';
import { testLogger } from '../helpers/silent-logger';
import { apiFailure } from '../helpers/rejection';

const KEY = '5f3c9a1e-0b7d-4e2a-9c8f-1a2b3c4d5e6f';
const SEND = '/cgi-bin/webhook/send';


describe('WebhookClient', () => {
  let fake: FakeWeCom;
  let clock: ManualClock;
  const webhook = new WebhookClient({ timeoutMs: 2000 });

  beforeAll(async () => {
    clock = new ManualClock('2025-03-03T02:00:00Z');
    fake = await startFakeWeCom({ clock, webhookKeys: [KEY] });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  it('posts text with mentioned_list; the fake records the mentions', async () => {
    await webhook.send(fake.webhookUrl(KEY), {
      msgtype: 'text',
      text: { content: '【通报】第 3 期工作简报已发布，请以下同志于周五前反馈。', mentioned_list: ['zhangsan', 'lisi'], mentioned_mobile_list: [] },
    });
    const [record] = fake.webhookMessages(KEY);
    expect(record.msgtype).toBe('text');
    expect(record.content).toBe('【通报】第 3 期工作简报已发布，请以下同志于周五前反馈。');
    expect(record.mentionedList).toEqual(['zhangsan', 'lisi']);
  });

  it('mentions members in markdown with <@userid>', async () => {
    const mentions = mentionMarkdown(['zhangsan', ' lisi ', '']);
    expect(mentions).toBe('<@zhangsan> <@lisi>');
    await webhook.send(fake.webhookUrl(KEY), { msgtype: 'markdown', markdown: { content: `### 工作通报\n请 ${mentions} 周五前反馈。` } });
    expect(fake.webhookMessages(KEY)[0].markdownMentions).toEqual(['zhangsan', 'lisi']);
    expect(() => mentionMarkdown(['bad>id'])).toThrow(/userid/);
  });

  it('20 messages per minute: the 21st gets 45009, retryable, and the sender waits at least a minute', async () => {
    const body = { msgtype: 'text' as const, text: { content: '批量通报' } };
    for (let i = 0; i < 20; i++) await webhook.send(fake.webhookUrl(KEY), body);
    const limited = await apiFailure(webhook.send(fake.webhookUrl(KEY), body));
    expect(limited).toMatchObject({ errcode: 45009, method: 'webhook/send', retryable: true });

    const sender = new WeComSender({ webhook, defaultWebhookUrl: fake.webhookUrl(KEY), timeoutMs: 2000, logger: testLogger() });
    const sendError = await sender.send({ channel: 'webhook', body }, { outboxId: 1, dedupeKey: 'd1', attempt: 1 }).catch((e: unknown) => e);
    expect(sendError).toBeInstanceOf(SendError);
    expect((sendError as SendError).retryable).toBe(true);
    expect((sendError as SendError).retryAfterMs).toBeGreaterThanOrEqual(60_000);

    clock.advance(60_000);
    await webhook.send(fake.webhookUrl(KEY), body);
    expect(fake.webhookMessages(KEY)).toHaveLength(21);
  });

  it('checks the byte limits before sending, counting UTF-8 bytes', async () => {
    const text2049 = `${'汉'.repeat(682)}abc`; // 2046 + 3 bytes
    const err = await apiFailure(webhook.send(fake.webhookUrl(KEY), { msgtype: 'text', text: { content: text2049 } }));
    expect(err).toMatchObject({ errcode: 45002, local: true, fatal: true, retryable: false });
    expect(err.errmsg).toContain(String(WEBHOOK_TEXT_MAX_BYTES));
    expect(err.errmsg).toContain('2049');

    const md4097 = `${'汉'.repeat(1365)}ab`; // 4095 + 2 bytes
    const mdErr = await apiFailure(webhook.send(fake.webhookUrl(KEY), { msgtype: 'markdown', markdown: { content: md4097 } }));
    expect(mdErr.errmsg).toContain(String(WEBHOOK_MARKDOWN_MAX_BYTES));
    expect(fake.calls(SEND)).toBe(0);

    await webhook.send(fake.webhookUrl(KEY), { msgtype: 'text', text: { content: text2049.slice(0, -1) } });
    await webhook.send(fake.webhookUrl(KEY), { msgtype: 'markdown', markdown: { content: md4097.slice(0, -1) } });
    expect(fake.webhookMessages(KEY)).toHaveLength(2);

    expect(await apiFailure(webhook.send(fake.webhookUrl(KEY), { msgtype: 'text', text: { content: '  ' } }))).toMatchObject({ errcode: 44004, local: true });
  });

  it('an unknown key is fatal (93000) and the key never appears in the error', async () => {
    const secretKey = 'deadbeef-dead-beef-dead-beefdeadbeef';
    const err = await apiFailure(webhook.send(fake.webhookUrl(secretKey), { msgtype: 'text', text: { content: 'x' } }));
    expect(err).toMatchObject({ errcode: 93000, fatal: true });
    expect(err.message).not.toContain(secretKey);
  });

  it('timeouts and 5xx are retryable transport errors that hide the key', async () => {
    const slow = new WebhookClient({ timeoutMs: 200 });
    fake.inject({ path: SEND, noResponse: true });
    const timeout = await apiFailure(slow.send(fake.webhookUrl(KEY), { msgtype: 'text', text: { content: 'x' } }));
    expect(timeout).toMatchObject({ errcode: TRANSPORT_ERRCODE, retryable: true });
    fake.inject({ path: SEND, httpStatus: 502 });
    const bad = await apiFailure(webhook.send(fake.webhookUrl(KEY), { msgtype: 'text', text: { content: 'x' } }));
    expect(bad).toMatchObject({ errcode: TRANSPORT_ERRCODE, httpStatus: 502, retryable: true });
    for (const e of [timeout, bad]) expect(e.message).not.toContain(KEY);
  });

  it('refuses a URL without a key before sending', async () => {
    const err = await apiFailure(webhook.send(`${fake.baseUrl}/cgi-bin/webhook/send`, { msgtype: 'text', text: { content: 'x' } }));
    expect(err).toMatchObject({ local: true, fatal: true });
    expect(fake.calls(SEND)).toBe(0);
  });
});

describe('splitForWebhook', () => {
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

  it('keeps short text whole and returns nothing for empty text', () => {
    expect(splitForWebhook('一行\n两行', 2048)).toEqual(['一行\n两行']);
    expect(splitForWebhook('', 2048)).toEqual([]);
  });

  it('cuts at line boundaries and never exceeds the limit', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${i + 1}. 联络员 张三 已报送本周工作情况，请审核。`);
    const text = lines.join('\n');
    const chunks = splitForWebhook(text, 300);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(bytes(chunk)).toBeLessThanOrEqual(300);
    expect(chunks.join('\n')).toBe(text);
    for (const chunk of chunks) for (const line of chunk.split('\n')) expect(lines).toContain(line);
  });

  it('cuts an over-long line between characters, never inside a UTF-8 sequence or a surrogate pair', () => {
    const line = '通报😀'.repeat(100); // 3+3+4 bytes per repetition
    const chunks = splitForWebhook(line, 64);
    expect(chunks.join('')).toBe(line);
    for (const chunk of chunks) {
      expect(bytes(chunk)).toBeLessThanOrEqual(64);
      expect(Buffer.from(chunk, 'utf8').toString('utf8')).toBe(chunk);
      expect(chunk).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('drops whitespace-only pieces and rejects a limit too small for one character', () => {
    expect(splitForWebhook('第一行\n\n\n\n\n\n\n第二行', 10)).toEqual(['第一行\n', '第二行']);
    expect(splitForWebhook('\n\n\n\n\n\n', 4)).toEqual([]);
    expect(() => splitForWebhook('x', 3)).toThrow(RangeError);
  });
});
