/** WeComApiClient against the fake WeCom: token cache, token errors, error classification, send semantics. */
import { ManualClock } from '../../src/shared/clock';
import { WeComApiClient } from '../../src/wecom/wecom-api-client';
import { TRANSPORT_ERRCODE, WeComApiError, classifyErrcode } from '../../src/wecom/wecom-api-error';
import { startFakeWeCom, type FakeWeCom } from '../fake-wecom';
import { testLogger } from '../helpers/silent-logger';
import { apiFailure } from '../helpers/rejection';

const CORP = 'wwfake0000000001';
const AGENT = 1000002;
const SECRET = 'fake-app-secret-0123456789abcdefghijklmno';
const T0 = new Date('2025-03-03T01:00:00Z');
const SEND = '/cgi-bin/message/send';
const GETTOKEN = '/cgi-bin/gettoken';

describe('WeComApiClient', () => {
  let fake: FakeWeCom;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(T0);
    fake = await startFakeWeCom({
      clock,
      corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }],
      users: ['zhangsan', 'lisi'],
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    clock.set(T0);
    fake.reset({ tokens: true });
  });

  function client(overrides: Partial<ConstructorParameters<typeof WeComApiClient>[0]> = {}): WeComApiClient {
    return new WeComApiClient({
      apiBase: `${fake.baseUrl}/`,
      corpId: CORP,
      agentId: AGENT,
      secret: SECRET,
      timeoutMs: 2000,
      clock,
      logger: testLogger(),
      ...overrides,
    });
  }

  const text = (content: string) => ({ msgtype: 'text' as const, text: { content } });


  /** No error text may contain an access token or the secret. */
  function expectNoSecrets(err: WeComApiError): void {
    for (const secret of [SECRET, ...fake.issuedTokens()]) {
      expect(err.message).not.toContain(secret);
      expect(err.errmsg).not.toContain(secret);
    }
  }

  describe('access token', () => {
    it('concurrent sends share one gettoken call, later sends reuse the cached token', async () => {
      const api = client();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => api.sendMessage({ toUser: ['zhangsan'], body: text(`并发 ${i}`) })));
      expect(results.every((r) => r.msgid.length > 0)).toBe(true);
      expect(fake.calls(GETTOKEN)).toBe(1);
      expect(fake.calls(SEND)).toBe(8);
      await api.sendMessage({ toUser: ['lisi'], body: text('again') });
      expect(fake.calls(GETTOKEN)).toBe(1);
      const tokens = new Set(fake.requests(SEND).map((r) => r.query.access_token));
      expect(tokens.size).toBe(1);
    });

    it('refreshes early when less than 300 s remain, and fetches a new token after expiry', async () => {
      const api = client();
      await api.sendMessage({ toUser: ['zhangsan'], body: text('1') });
      clock.advance((7200 - 400) * 1000);
      await api.sendMessage({ toUser: ['zhangsan'], body: text('2') });
      expect(fake.calls(GETTOKEN)).toBe(1);
      clock.advance(200 * 1000); // 200 s left: refresh early (WeCom answers the same token with its remaining lifetime)
      await api.sendMessage({ toUser: ['zhangsan'], body: text('3') });
      expect(fake.calls(GETTOKEN)).toBe(2);
      expect(fake.issuedTokens()).toHaveLength(1);
      clock.advance(300 * 1000); // past the expiry
      await api.sendMessage({ toUser: ['zhangsan'], body: text('4') });
      expect(fake.issuedTokens()).toHaveLength(2);
      expect(fake.requests(SEND).at(-1)!.query.access_token).toBe(fake.issuedTokens()[1]);
      expect(fake.deliveredTo('zhangsan')).toHaveLength(4);
      expect(fake.calls(SEND)).toBe(4); // never sent an expired token
    });

    it.each([42001, 40014, 41001, 40001])('on an injected %i invalidates the token, refreshes and retries once', async (errcode) => {
      const api = client();
      await api.sendMessage({ toUser: ['zhangsan'], body: text('warm-up') });
      fake.inject({ path: SEND, errcode });
      const result = await api.sendMessage({ toUser: ['zhangsan'], body: text('after token error') });
      expect(result.msgid).toEqual(expect.any(String));
      expect(fake.calls(GETTOKEN)).toBe(2);
      expect(fake.calls(SEND)).toBe(3);
      expect(fake.deliveredTo('zhangsan').map((d) => d.content)).toEqual(['warm-up', 'after token error']);
    });

    it('a token revoked by WeCom is replaced by a new one', async () => {
      const api = client();
      await api.sendMessage({ toUser: ['zhangsan'], body: text('1') });
      fake.revokeToken(undefined, 40014);
      await api.sendMessage({ toUser: ['zhangsan'], body: text('2') });
      expect(fake.issuedTokens()).toHaveLength(2);
      const used = fake.requests(SEND).map((r) => r.query.access_token);
      expect(used).toEqual([fake.issuedTokens()[0], fake.issuedTokens()[0], fake.issuedTokens()[1]]);
    });

    it('retries only once: a persistent 42001 fails (retryable), a persistent 41001 fails fatally', async () => {
      const api = client();
      fake.inject({ path: SEND, errcode: 42001, times: 2 });
      const expired = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(expired).toMatchObject({ errcode: 42001, method: 'message/send', retryable: true });
      expect(fake.calls(SEND)).toBe(2);

      fake.inject({ path: SEND, errcode: 41001, times: 2 });
      const missing = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(missing).toMatchObject({ errcode: 41001, retryable: false, fatal: true });
      expect(fake.calls(SEND)).toBe(4);
    });

    it('40001 from gettoken (wrong secret) is fatal and never leaks the secret', async () => {
      const api = client({ secret: 'wrong-secret-value-xyz' });
      const err = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode: 40001, method: 'gettoken', retryable: false, fatal: true });
      expect(err.message).not.toContain('wrong-secret-value-xyz');
      expect(fake.calls(SEND)).toBe(0);
      expect(classifyErrcode(40001, 'gettoken')).toBe('fatal');
      expect(classifyErrcode(40001, 'message/send')).toBe('token');
    });

    it('40013 (unknown corp) and 60020 (IP not allowed) are fatal', async () => {
      expect(await apiFailure(client({ corpId: 'wwunknown' }).sendMessage({ toUser: ['zhangsan'], body: text('x') }))).toMatchObject({ errcode: 40013, fatal: true });
      fake.setIpAllowList(['10.9.9.9']);
      try {
        expect(await apiFailure(client().sendMessage({ toUser: ['zhangsan'], body: text('x') }))).toMatchObject({ errcode: 60020, fatal: true });
      } finally {
        fake.setIpAllowList(null);
      }
    });

    it('a gettoken outage is a retryable transport error', async () => {
      fake.inject({ path: GETTOKEN, httpStatus: 503 });
      const err = await apiFailure(client().sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode: TRANSPORT_ERRCODE, httpStatus: 503, method: 'gettoken', retryable: true });
    });
  });

  describe('error classification', () => {
    it.each([-1, 45009, 45033])('errcode %i is retryable', async (errcode) => {
      const api = client();
      fake.inject({ path: SEND, errcode });
      const err = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode, method: 'message/send', retryable: true, fatal: false });
      expect(fake.calls(SEND)).toBe(1);
      expectNoSecrets(err);
    });

    it.each([500, 502, 503])('HTTP %i is a retryable transport error (-2)', async (status) => {
      const api = client();
      fake.inject({ path: SEND, httpStatus: status });
      const err = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode: TRANSPORT_ERRCODE, httpStatus: status, retryable: true });
      expectNoSecrets(err);
    });

    it('invalid JSON is a retryable transport error', async () => {
      const api = client();
      fake.inject({ path: SEND, invalidJson: true });
      const err = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode: TRANSPORT_ERRCODE, retryable: true });
      expect(err.errmsg).toMatch(/not WeCom JSON/);
    });

    it('no answer within timeoutMs is a retryable transport error without the token in it', async () => {
      const api = client({ timeoutMs: 250 });
      await api.sendMessage({ toUser: ['zhangsan'], body: text('warm-up') });
      fake.inject({ path: SEND, noResponse: true });
      const started = Date.now();
      const err = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toMatchObject({ errcode: TRANSPORT_ERRCODE, retryable: true });
      expect(err.errmsg).toMatch(/no answer within 250 ms/);
      expectNoSecrets(err);
    });

    it('a refused connection is a retryable transport error', async () => {
      const closed = await startFakeWeCom({ corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }] });
      const deadBase = closed.baseUrl;
      await closed.close();
      const err = await apiFailure(client({ apiBase: deadBase }).sendMessage({ toUser: ['zhangsan'], body: text('x') }));
      expect(err).toMatchObject({ errcode: TRANSPORT_ERRCODE, method: 'gettoken', retryable: true });
    });

    it('81013 (all recipients invalid) is fatal', async () => {
      const err = await apiFailure(client().sendMessage({ toUser: ['ghost1', 'Ghost2'], body: text('x') }));
      expect(err).toMatchObject({ errcode: 81013, fatal: true, retryable: false });
    });

    it('refuses locally an empty recipient list and @all', async () => {
      const api = client();
      expect(await apiFailure(api.sendMessage({ toUser: [], body: text('x') }))).toMatchObject({ local: true, fatal: true });
      expect(await apiFailure(api.sendMessage({ toUser: ['@all'], body: text('x') }))).toMatchObject({ local: true, fatal: true });
      expect(fake.calls(SEND)).toBe(0);
    });
  });

  describe('message/send', () => {
    it('sends agentid and the duplicate check, returns msgid and lower-cased invalid users', async () => {
      const result = await client().sendMessage({ toUser: ['ZhangSan', 'WangWu', 'ZhaoLiu'], body: text('【提醒】明天 9:00 例会') });
      expect(result.invalidUsers).toEqual(['wangwu', 'zhaoliu']);
      expect(result.responseCode).toBeUndefined();
      expect(fake.appMessages()[0].msgid).toBe(result.msgid);
      expect(fake.deliveredTo('zhangsan')[0].content).toBe('【提醒】明天 9:00 例会');
      const body = JSON.parse(fake.requests(SEND)[0].body) as Record<string, unknown>;
      expect(body).toEqual({
        touser: 'ZhangSan|WangWu|ZhaoLiu',
        msgtype: 'text',
        agentid: AGENT,
        text: { content: '【提醒】明天 9:00 例会' },
        enable_duplicate_check: 1,
        duplicate_check_interval: 1800,
      });
    });

    it('a resend after a lost answer is not delivered twice (duplicate check)', async () => {
      const api = client({ timeoutMs: 200 });
      fake.inject({ path: SEND, delayMs: 400 }); // WeCom accepts it, but the answer comes too late
      const lost = await apiFailure(api.sendMessage({ toUser: ['lisi'], body: text('只送一次') }));
      expect(lost).toMatchObject({ errcode: TRANSPORT_ERRCODE, retryable: true });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(fake.deliveredTo('lisi')).toHaveLength(1);

      const resent = await api.sendMessage({ toUser: ['lisi'], body: text('只送一次') });
      expect(resent.msgid).toBe(fake.deliveredTo('lisi')[0].msgid);
      expect(fake.deliveredTo('lisi')).toHaveLength(1);
      expect(fake.duplicates()).toHaveLength(1);
    });

    it('duplicateCheckSeconds sets the window; 0 switches the check off', async () => {
      const api = client();
      await api.sendMessage({ toUser: ['lisi'], body: text('a'), duplicateCheckSeconds: 60 });
      clock.advance(61_000);
      await api.sendMessage({ toUser: ['lisi'], body: text('a'), duplicateCheckSeconds: 60 });
      await api.sendMessage({ toUser: ['lisi'], body: text('b'), duplicateCheckSeconds: 0 });
      await api.sendMessage({ toUser: ['lisi'], body: text('b'), duplicateCheckSeconds: 0 });
      expect(fake.deliveredTo('lisi')).toHaveLength(4);
      const bodies = fake.requests(SEND).map((r) => JSON.parse(r.body) as Record<string, unknown>);
      expect(bodies[0].duplicate_check_interval).toBe(60);
      expect(bodies[2].enable_duplicate_check).toBeUndefined();
    });

    it('interactive cards return a response_code; updateTemplateCard uses it once; recall works', async () => {
      const api = client();
      const card = {
        card_type: 'button_interaction',
        main_title: { title: '通知确认', desc: '2025 年第 1 号工作通知' },
        button_list: [
          { text: '已阅', style: 1, key: 'ack:notice-2025-001' },
          { text: '有疑问', style: 2, key: 'ask:notice-2025-001' },
        ],
        task_id: 'notice-2025-001',
      };
      const sent = await api.sendMessage({ toUser: ['zhangsan', 'lisi'], body: { msgtype: 'template_card', template_card: card } });
      expect(sent.responseCode).toEqual(expect.stringMatching(/^RC_/));

      const updated = await api.updateTemplateCard({ userids: ['zhangsan', 'nobody'], responseCode: sent.responseCode!, replaceName: '已确认' });
      expect(updated.invalidUsers).toEqual(['nobody']);
      expect(fake.cardState(sent.msgid, 'zhangsan')?.replaceName).toBe('已确认');
      const reused = await apiFailure(api.updateTemplateCard({ userids: ['lisi'], responseCode: sent.responseCode!, replaceName: '已确认' }));
      expect(reused).toMatchObject({ method: 'message/update_template_card', fatal: true });

      const again = await apiFailure(api.sendMessage({ toUser: ['zhangsan'], body: { msgtype: 'template_card', template_card: card } }));
      expect(again).toMatchObject({ errcode: 40058, fatal: true }); // task_id reuse

      await api.recall(sent.msgid);
      expect(fake.appMessages()[0].recalled).toBe(true);
      clock.advance(25 * 3600_000);
      const other = await api.sendMessage({ toUser: ['lisi'], body: text('recall me later') });
      clock.advance(25 * 3600_000);
      expect(await apiFailure(api.recall(other.msgid))).toMatchObject({ method: 'message/recall', fatal: true });
    });
  });
});
