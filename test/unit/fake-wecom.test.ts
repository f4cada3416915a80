/**
 * The fake WeCom itself: its own crypto against the shared vectors, the callback client, and the REST behaviour
 * other tests rely on (token errors, expiry with the clock, response_url expiry, drop limits, injection).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/shared/clock';
import {
  FakeCryptoError,
  WeComCallbackClient,
  buildAppTextXml,
  buildRobotTextJson,
  computeSignature,
  decryptFrame,
  deriveKey,
  encodeQuery,
  encryptFrame,
  readXmlField,
  startFakeWeCom,
  type FakeWeCom,
} from '../fake-wecom';
import { isHttpReply, isHttpRequest, loadVectors, splitUrl } from '../helpers/wecom-vectors';

const CORP = 'wwfake0000000001';
const AGENT = 1000002;
const SECRET = 'fake-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = new Date('2025-03-03T01:00:00Z');

interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
}

async function call(fake: FakeWeCom, path: string, init: { query?: Record<string, string>; body?: unknown; method?: string } = {}): Promise<ApiAnswer> {
  const qs = init.query ? `?${new URLSearchParams(init.query).toString()}` : '';
  const response = await fetch(`${fake.baseUrl}${path}${qs}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}

async function token(fake: FakeWeCom, secret = SECRET): Promise<string> {
  const answer = await call(fake, '/cgi-bin/gettoken', { query: { corpid: CORP, corpsecret: secret } });
  expect(answer.json.errcode).toBe(0);
  return answer.json.access_token as string;
}

function sendText(fake: FakeWeCom, accessToken: string, touser: string, content: string, extra: Record<string, unknown> = {}): Promise<ApiAnswer> {
  return call(fake, '/cgi-bin/message/send', {
    query: { access_token: accessToken },
    body: { touser, msgtype: 'text', agentid: AGENT, text: { content }, ...extra },
  });
}

const buttonCard = (taskId: string | undefined, buttons = 2): Record<string, unknown> => ({
  card_type: 'button_interaction',
  main_title: { title: '通知确认' },
  button_list: Array.from({ length: buttons }, (_, i) => ({ text: `按钮${i}`, style: 1, key: `k${i}` })),
  ...(taskId ? { task_id: taskId } : {}),
});

describe('fake crypto against the shared vectors', () => {
  const file = loadVectors();

  it.each(file.vectors.map((v) => [v.id, v] as const))('%s: key, signature, encryption and strict decryption agree', (_id, v) => {
    const { key, iv } = deriveKey(v.encodingAESKey);
    expect(key.toString('hex')).toBe(v.aesKeyHex);
    expect(iv.toString('hex')).toBe(v.ivHex);
    expect(computeSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64)).toBe(v.signature);
    expect(encryptFrame(v.encodingAESKey, v.plaintext, v.receiveId, Buffer.from(v.randomHex, 'hex'))).toBe(v.ciphertextBase64);
    const decrypted = decryptFrame(v.encodingAESKey, v.ciphertextBase64, v.receiveId);
    expect(decrypted.message).toBe(v.plaintext);
    expect(decrypted.random.toString('hex')).toBe(v.randomHex);
    expect(Buffer.from(v.ciphertextBase64, 'base64').length).toBe(v.paddedLength);
  });

  it.each(file.official.map((v) => [v.id, v] as const))('%s (official example, non-canonical key) round-trips', (_id, v) => {
    expect(computeSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64)).toBe(v.signature);
    expect(decryptFrame(v.encodingAESKey, v.ciphertextBase64, v.receiveId).message).toBe(v.plaintext);
    expect(encryptFrame(v.encodingAESKey, v.plaintext, v.receiveId, Buffer.from(v.randomHex, 'hex'))).toBe(v.ciphertextBase64);
  });

  it.each(file.negative.map((v) => [v.id, v] as const))('%s is rejected with the expected code', (_id, v) => {
    const attempt = (): void => {
      const expected = computeSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64);
      if (expected !== v.signature) throw new FakeCryptoError(-40001, 'signature mismatch');
      decryptFrame(v.encodingAESKey, v.ciphertextBase64, v.expectedReceiveId);
    };
    let caught: unknown;
    try {
      attempt();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FakeCryptoError);
    expect((caught as FakeCryptoError).code).toBe(v.expect.code);
  });

  it('the callback client reproduces the vector requests byte for byte', () => {
    let checked = 0;
    for (const v of file.vectors) {
      if (!isHttpRequest(v.http)) continue;
      const client = new WeComCallbackClient({ baseUrl: 'http://bot.invalid', token: v.token, encodingAesKey: v.encodingAESKey, receiveId: v.receiveId });
      const { path, rawQuery } = splitUrl(v.http.url);
      const stamp = { timestamp: v.timestamp, nonce: v.nonce, random: Buffer.from(v.randomHex, 'hex') };
      let request;
      if (v.kind === 'url-verify-get') request = client.buildVerifyRequest(path, { echoPlaintext: v.plaintext, stamp }).request;
      else if (v.kind === 'app-callback-post') request = client.buildAppRequest(path, v.plaintext, { stamp });
      else request = client.buildRobotRequest(path, v.plaintext, { stamp });
      expect(encodeQuery(request.query)).toBe(rawQuery);
      expect(request.body).toBe(v.http.body);
      checked += 1;
    }
    expect(checked).toBe(6);
  });

  it('verifies the passive reply vectors and rejects tampered replies', () => {
    const appReply = file.vectors.find((v) => v.kind === 'app-passive-reply')!;
    const robotReply = file.vectors.find((v) => v.kind === 'aibot-passive-reply')!;
    if (!isHttpReply(appReply.http) || !isHttpReply(robotReply.http)) throw new Error('reply vectors lack http.responseBody');
    const appBody = appReply.http.responseBody;
    const robotBody = robotReply.http.responseBody;

    const app = new WeComCallbackClient({ baseUrl: 'http://bot.invalid', token: appReply.token, encodingAesKey: appReply.encodingAESKey, receiveId: appReply.receiveId });
    expect(app.decryptAppReply(appBody)).toBe(appReply.plaintext);
    const forged = appBody.replace(/<TimeStamp>(\d+)<\/TimeStamp>/, (_m, ts: string) => `<TimeStamp>${Number(ts) + 1}</TimeStamp>`);
    expect(() => app.decryptAppReply(forged)).toThrow(/signature/);
    const otherCorp = new WeComCallbackClient({ baseUrl: 'http://bot.invalid', token: appReply.token, encodingAesKey: appReply.encodingAESKey, receiveId: 'wwffffffffffffffff' });
    expect(() => otherCorp.decryptAppReply(appBody)).toThrow(/receiveid/);

    const robot = new WeComCallbackClient({ baseUrl: 'http://bot.invalid', token: robotReply.token, encodingAesKey: robotReply.encodingAESKey, receiveId: '' });
    expect(robot.decryptRobotReply(robotBody, robotReply.nonce)).toEqual(JSON.parse(robotReply.plaintext));
    expect(() => robot.decryptRobotReply(robotBody, '1111111111')).toThrow(/nonce/);
    const envelope = JSON.parse(robotBody) as Record<string, unknown>;
    expect(() => robot.decryptRobotReply({ ...envelope, msgsignature: '0'.repeat(40) }, robotReply.nonce)).toThrow(/signature/);
  });
});

describe('callback client against a stub bot', () => {
  const TOKEN = 'StubToken01';
  const KEY = 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74';
  let server: Server;
  let baseUrl: string;
  let seen: Array<{ url: string; body: string }>;
  let behaviour: Array<'fail' | 'hang' | 'ok'>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        const mode = behaviour.shift() ?? 'ok';
        if (mode === 'hang') return;
        if (mode === 'fail') {
          res.statusCode = 503;
          res.end('busy');
          return;
        }
        const query = new URL(req.url ?? '/', 'http://stub').searchParams;
        const echostr = query.get('echostr');
        if (echostr) {
          res.end(decryptFrame(KEY, echostr, CORP).message);
          return;
        }
        res.end('');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    seen = [];
    behaviour = [];
  });

  it('percent-encodes echostr and checks the echo', async () => {
    const client = new WeComCallbackClient({ baseUrl, token: TOKEN, encodingAesKey: KEY, receiveId: CORP });
    const result = await client.verifyUrl('/wecom/callback');
    expect(result.echoed).toBe(true);
    expect(seen[0].url).not.toMatch(/echostr=[^&]*[+/=]/);
    const query = new URL(seen[0].url, 'http://stub').searchParams;
    expect(query.get('msg_signature')).toBe(computeSignature(TOKEN, query.get('timestamp')!, query.get('nonce')!, query.get('echostr')!));
  });

  it('re-sends the same payload after a non-200 answer and after a timeout', async () => {
    const client = new WeComCallbackClient({ baseUrl, token: TOKEN, encodingAesKey: KEY, receiveId: CORP, now: () => T0 });
    behaviour = ['fail', 'hang', 'ok'];
    const xml = buildAppTextXml({ corpId: CORP, from: 'zhangsan', content: '你好', agentId: AGENT });
    const result = await client.postAppMessage('/wecom/callback', xml, { retries: 3, timeoutMs: 300 });
    expect(result.ok).toBe(true);
    expect(result.attempts.map((a) => a.status ?? a.failure)).toEqual([503, 'timeout', 200]);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.url)).size).toBe(1);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
    expect(result.request.query.timestamp).toBe(String(T0.getTime() / 1000));
    expect(readXmlField(seen[0].body, 'ToUserName')).toBe(CORP);
    expect(readXmlField(seen[0].body, 'AgentID')).toBe(String(AGENT));
    const encrypt = readXmlField(seen[0].body, 'Encrypt')!;
    expect(decryptFrame(KEY, encrypt, CORP).message).toBe(xml);
  });

  it('gives up after the configured retries and exposes the raw request for tampering', async () => {
    const client = new WeComCallbackClient({ baseUrl, token: TOKEN, encodingAesKey: KEY, receiveId: '' });
    behaviour = ['fail', 'fail', 'fail', 'fail'];
    const result = await client.postRobotMessage('/wecom/robot', buildRobotTextJson({ aibotId: 'aibFake', from: 'wangwu', content: 'hi' }), { retries: 3 });
    expect(result.ok).toBe(false);
    expect(result.attempts).toHaveLength(4);
    expect(JSON.parse(client.lastRequest!.body!)).toEqual({ encrypt: expect.any(String) });

    const tampered = { ...client.lastRequest!, query: { ...client.lastRequest!.query, msg_signature: 'f'.repeat(40) } };
    await client.send(tampered);
    expect(new URL(seen[4].url, 'http://stub').searchParams.get('msg_signature')).toBe('f'.repeat(40));
  });
});

describe('fake WeCom REST server', () => {
  let fake: FakeWeCom;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    fake = await startFakeWeCom({
      clock,
      corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }],
      users: ['zhangsan', 'LiSi'],
      webhookKeys: ['key-group-a'],
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  describe('gettoken and the token check', () => {
    it('answers the documented errors for missing or wrong credentials', async () => {
      const q = (query: Record<string, string>): Promise<ApiAnswer> => call(fake, '/cgi-bin/gettoken', { query });
      expect((await q({ corpsecret: SECRET })).json.errcode).toBe(41002);
      expect((await q({ corpid: CORP })).json.errcode).toBe(41004);
      expect((await q({ corpid: 'wwunknown', corpsecret: SECRET })).json.errcode).toBe(40013);
      expect((await q({ corpid: CORP, corpsecret: 'wrong' })).json.errcode).toBe(40001);
      fake.addCorp({ corpId: 'wwothercorp', agents: [{ agentId: 1, secret: 'other-corp-secret' }] });
      expect((await q({ corpid: CORP, corpsecret: 'other-corp-secret' })).json.errcode).toBe(40091);
      expect(fake.calls('/cgi-bin/gettoken')).toBe(5);
    });

    it('hands out the same token while valid and a new one after expiry, following the clock', async () => {
      fake.setOption('tokenTtlSeconds', 600);
      const first = await call(fake, '/cgi-bin/gettoken', { query: { corpid: CORP, corpsecret: SECRET } });
      expect(first.json.expires_in).toBe(600);
      clock.advance(100_000);
      const again = await call(fake, '/cgi-bin/gettoken', { query: { corpid: CORP, corpsecret: SECRET } });
      expect(again.json.access_token).toBe(first.json.access_token);
      expect(again.json.expires_in).toBe(500);
      expect((await sendText(fake, first.json.access_token as string, 'zhangsan', 'ok')).json.errcode).toBe(0);

      clock.advance(500_000);
      expect((await sendText(fake, first.json.access_token as string, 'zhangsan', 'late')).json.errcode).toBe(42001);
      const fresh = await token(fake);
      expect(fresh).not.toBe(first.json.access_token);
      expect(fake.issuedTokens()).toHaveLength(2);
    });

    it('checks the token on business APIs: 41001 missing, 40014 unknown, revocation', async () => {
      expect((await call(fake, '/cgi-bin/message/send', { body: {} })).json.errcode).toBe(41001);
      expect((await sendText(fake, 'not-a-token', 'zhangsan', 'x')).json.errcode).toBe(40014);
      const t = await token(fake);
      fake.revokeToken(t, 40014);
      expect((await sendText(fake, t, 'zhangsan', 'x')).json.errcode).toBe(40014);
      const t2 = await token(fake);
      expect(t2).not.toBe(t);
      fake.revokeToken();
      expect((await sendText(fake, t2, 'zhangsan', 'x')).json.errcode).toBe(42001);
    });

    it('answers 60020 when the caller is not on the IP allow-list', async () => {
      const t = await token(fake);
      fake.setIpAllowList(['10.1.2.3']);
      const refused = await sendText(fake, t, 'zhangsan', 'x');
      expect(refused.json.errcode).toBe(60020);
      expect(refused.json.errmsg).toContain('127.0.0.1');
      expect((await call(fake, '/cgi-bin/gettoken', { query: { corpid: CORP, corpsecret: SECRET } })).json.errcode).toBe(60020);
      fake.setIpAllowList(['127.0.0.1']);
      expect((await sendText(fake, t, 'zhangsan', 'x')).json.errcode).toBe(0);
    });
  });

  describe('message/send', () => {
    let t: string;
    beforeEach(async () => {
      t = await token(fake);
    });

    it('validates agentid, msgtype, recipients and content', async () => {
      expect((await sendText(fake, t, 'zhangsan', 'x', { agentid: 999 })).json.errcode).toBe(40056);
      expect((await call(fake, '/cgi-bin/message/send', { query: { access_token: t }, body: { touser: 'zhangsan', agentid: AGENT, msgtype: 'fax', fax: {} } })).json.errcode).toBe(40008);
      expect((await sendText(fake, t, '', 'x')).json.errcode).toBe(82001);
      expect((await sendText(fake, t, 'zhangsan', '')).json.errcode).toBe(44004);
      expect((await call(fake, '/cgi-bin/message/send', { query: { access_token: t }, body: '{"touser":' })).json.errcode).toBe(47001);
      expect(fake.appMessages()).toHaveLength(0);
    });

    it('returns unknown users lower-cased in invaliduser and 81013 when nobody is valid', async () => {
      const partial = await sendText(fake, t, 'ZhangSan|WangWu|lisi', '通知');
      expect(partial.json).toMatchObject({ errcode: 0, invaliduser: 'wangwu' });
      expect(typeof partial.json.msgid).toBe('string');
      expect(partial.json.response_code).toBeUndefined();
      expect(fake.deliveredTo('zhangsan')).toHaveLength(1);
      expect(fake.deliveredTo('LISI')[0].content).toBe('通知');
      expect((await sendText(fake, t, 'Nobody|Ghost', 'x')).json.errcode).toBe(81013);
    });

    it('truncates text over 2048 bytes by default and refuses it when configured', async () => {
      const long = '汉'.repeat(700); // 2100 bytes
      expect((await sendText(fake, t, 'zhangsan', long)).json.errcode).toBe(0);
      const delivered = fake.deliveredTo('zhangsan')[0];
      expect(delivered.message.truncated).toBe(true);
      expect(Buffer.byteLength(delivered.content!, 'utf8')).toBe(2046);
      fake.setOption('appTextOverflow', 'reject');
      expect((await sendText(fake, t, 'zhangsan', long)).json.errcode).toBe(45002);
    });

    it('validates template cards: task_id, button count, task_id reuse; response_code only for interactive cards', async () => {
      const send = (card: Record<string, unknown>): Promise<ApiAnswer> =>
        call(fake, '/cgi-bin/message/send', { query: { access_token: t }, body: { touser: 'zhangsan', msgtype: 'template_card', agentid: AGENT, template_card: card } });
      expect((await send(buttonCard(undefined))).json.errcode).toBe(40058);
      expect((await send(buttonCard('task-7', 7))).json.errcode).toBe(40058);
      expect((await send(buttonCard('task-0', 0))).json.errcode).toBe(40058);
      const sent = await send(buttonCard('task-1'));
      expect(sent.json.errcode).toBe(0);
      expect(sent.json.response_code).toEqual(expect.stringMatching(/^RC_/));
      expect((await send(buttonCard('task-1'))).json.errcode).toBe(40058);
      const notice = await send({ card_type: 'text_notice', main_title: { title: '通知' }, card_action: { type: 1, url: 'https://example.gov.cn' } });
      expect(notice.json.errcode).toBe(0);
      expect(notice.json.response_code).toBeUndefined();
    });

    it('does not deliver an identical request twice inside the duplicate-check window', async () => {
      const extra = { enable_duplicate_check: 1, duplicate_check_interval: 600 };
      const first = await sendText(fake, t, 'zhangsan', '提醒', extra);
      clock.advance(599_000);
      const second = await sendText(fake, t, 'zhangsan', '提醒', extra);
      expect(second.json).toMatchObject({ errcode: 0, msgid: first.json.msgid });
      expect(fake.deliveredTo('zhangsan')).toHaveLength(1);
      expect(fake.duplicates()).toHaveLength(1);
      clock.advance(2_000);
      await sendText(fake, t, 'zhangsan', '提醒', extra);
      expect(fake.deliveredTo('zhangsan')).toHaveLength(2);
      await sendText(fake, t, 'zhangsan', '提醒'); // no duplicate check requested
      expect(fake.deliveredTo('zhangsan')).toHaveLength(3);
    });

    it('silently drops beyond 30 messages per minute per member, and beyond 1000 per hour', async () => {
      for (let i = 0; i < 31; i++) expect((await sendText(fake, t, 'zhangsan|lisi', `m${i}`)).json.errcode).toBe(0);
      expect(fake.deliveredTo('zhangsan')).toHaveLength(30);
      expect(fake.dropped()).toEqual(
        expect.arrayContaining([expect.objectContaining({ userId: 'zhangsan', reason: 'per-minute' }), expect.objectContaining({ userId: 'lisi', reason: 'per-minute' })]),
      );
      expect(fake.dropped()).toHaveLength(2);
      clock.advance(60_000);
      expect((await sendText(fake, t, 'zhangsan', 'after a minute')).json.errcode).toBe(0);
      expect(fake.deliveredTo('zhangsan')).toHaveLength(31);

      fake.reset();
      for (let minute = 0; minute < 34; minute++) {
        clock.advance(60_000);
        t = await token(fake);
        const batch = Array.from({ length: minute < 33 ? 30 : 10 }, (_, i) => sendText(fake, t, 'zhangsan', `h${minute}-${i}`));
        await Promise.all(batch);
      }
      expect(fake.deliveredTo('zhangsan')).toHaveLength(1000);
      clock.advance(60_000);
      t = await token(fake);
      expect((await sendText(fake, t, 'zhangsan', 'one too many')).json.errcode).toBe(0);
      expect(fake.dropped()).toEqual([expect.objectContaining({ userId: 'zhangsan', reason: 'per-hour' })]);
    });
  });

  describe('update_template_card and recall', () => {
    let t: string;
    beforeEach(async () => {
      t = await token(fake);
    });

    async function sendCard(taskId: string): Promise<ApiAnswer> {
      return call(fake, '/cgi-bin/message/send', {
        query: { access_token: t },
        body: { touser: 'zhangsan|lisi', msgtype: 'template_card', agentid: AGENT, template_card: buttonCard(taskId) },
      });
    }

    it('accepts a response_code once and within 72 hours', async () => {
      const sent = await sendCard('task-u1');
      const update = (code: unknown, body: Record<string, unknown> = { button: { replace_name: '已确认' } }): Promise<ApiAnswer> =>
        call(fake, '/cgi-bin/message/update_template_card', { query: { access_token: t }, body: { userids: ['zhangsan', 'ghost'], agentid: AGENT, response_code: code, ...body } });
      const ok = await update(sent.json.response_code);
      expect(ok.json).toMatchObject({ errcode: 0, invaliduser: ['ghost'] });
      expect(fake.cardState(sent.json.msgid as string, 'zhangsan')?.replaceName).toBe('已确认');
      expect(fake.cardState(sent.json.msgid as string, 'lisi')?.replaceName).toBeUndefined();
      expect((await update(sent.json.response_code)).json.errcode).toBe(40058);

      const later = await sendCard('task-u2');
      clock.advance(72 * 3600_000 + 1000);
      t = await token(fake);
      expect((await update(later.json.response_code)).json.errcode).toBe(40058);

      const third = await sendCard('task-u3');
      const eventCode = fake.mintCardEventResponseCode(third.json.msgid as string);
      const wrongTask = { template_card: { ...buttonCard('task-other') } };
      expect((await update(eventCode, wrongTask)).json.errcode).toBe(40058);
      expect((await update(eventCode, { template_card: buttonCard('task-u3') })).json.errcode).toBe(0);
    });

    it('recalls known messages within 24 hours only', async () => {
      const a = await sendText(fake, t, 'zhangsan', 'a');
      const b = await sendText(fake, t, 'zhangsan', 'b');
      const recall = (msgid: unknown): Promise<ApiAnswer> => call(fake, '/cgi-bin/message/recall', { query: { access_token: t }, body: { msgid } });
      expect((await recall(a.json.msgid)).json.errcode).toBe(0);
      expect(fake.appMessages()[0].recalled).toBe(true);
      expect((await recall('unknown')).json.errcode).not.toBe(0);
      clock.advance(24 * 3600_000 + 1000);
      t = await token(fake);
      const late = await recall(b.json.msgid);
      expect(late.json.errcode).toBe(40058);
      expect(late.json.errmsg).toContain('24 hours');
    });
  });

  describe('group-bot webhook', () => {
    const send = (key: string, body: unknown): Promise<ApiAnswer> => call(fake, '/cgi-bin/webhook/send', { query: { key }, body });

    it('refuses unknown keys, empty and oversized content; records mentions', async () => {
      expect((await send('nope', { msgtype: 'text', text: { content: 'x' } })).json.errcode).toBe(93000);
      expect((await send('key-group-a', { msgtype: 'text', text: { content: '' } })).json.errcode).toBe(44004);
      expect((await send('key-group-a', { msgtype: 'text', text: { content: 'a'.repeat(2049) } })).json.errcode).toBe(45002);
      expect((await send('key-group-a', { msgtype: 'markdown', markdown: { content: 'a'.repeat(4097) } })).json.errcode).toBe(45002);
      expect((await send('key-group-a', { msgtype: 'markdown', markdown: { content: '汉'.repeat(1365) } })).json.errcode).toBe(0);
      expect((await send('key-group-a', { msgtype: 'text', text: { content: '通报', mentioned_list: ['zhangsan', '@all'] } })).json.errcode).toBe(0);
      expect((await send('key-group-a', { msgtype: 'markdown', markdown: { content: '请 <@zhangsan> <@lisi> 反馈' } })).json.errcode).toBe(0);
      const records = fake.webhookMessages('key-group-a');
      expect(records).toHaveLength(3);
      expect(records[1].mentionedList).toEqual(['zhangsan', '@all']);
      expect(records[2].markdownMentions).toEqual(['zhangsan', 'lisi']);
    });

    it('allows 20 messages per minute per key; refused sends count only when switched on', async () => {
      const body = { msgtype: 'text', text: { content: 'x' } };
      for (let i = 0; i < 20; i++) expect((await send('key-group-a', body)).json.errcode).toBe(0);
      expect((await send('key-group-a', body)).json.errcode).toBe(45009);
      clock.advance(30_000);
      expect((await send('key-group-a', body)).json.errcode).toBe(45009);
      clock.advance(30_000);
      expect((await send('key-group-a', body)).json.errcode).toBe(0);

      fake.reset();
      fake.setOption('webhookCountRefused', true);
      for (let i = 0; i < 19; i++) await send('key-group-a', body);
      expect((await send('key-group-a', { msgtype: 'text', text: { content: '' } })).json.errcode).toBe(44004);
      expect((await send('key-group-a', body)).json.errcode).toBe(45009);
    });
  });

  describe('robot response_url', () => {
    const md = { msgtype: 'markdown', markdown: { content: '已登记' } };
    const post = async (url: string, body: unknown): Promise<Record<string, unknown>> => {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
      return (await response.json()) as Record<string, unknown>;
    };

    it('is single use', async () => {
      const url = fake.mintResponseUrl({ chatType: 'single', userId: 'zhangsan' });
      expect(url.startsWith(`${fake.baseUrl}/cgi-bin/aibot/response?response_code=`)).toBe(true);
      expect((await post(url, md)).errcode).toBe(0);
      expect(fake.responseUrlUsed(url)).toBe(true);
      expect((await post(url, md)).errcode).not.toBe(0);
      expect(fake.robotResponses()).toHaveLength(1);
      expect(fake.robotResponses()[0]).toMatchObject({ userId: 'zhangsan', content: '已登记' });
    });

    it('expires after one hour', async () => {
      const fresh = fake.mintResponseUrl();
      const stale = fake.mintResponseUrl();
      clock.advance(59 * 60_000);
      expect((await post(fresh, md)).errcode).toBe(0);
      clock.advance(60_001);
      expect((await post(stale, md)).errcode).not.toBe(0);
    });

    it('limits markdown to 20480 bytes and refuses cards in groups', async () => {
      const url = fake.mintResponseUrl({ chatType: 'group', chatId: 'wrkGroup1' });
      expect((await post(url, { msgtype: 'markdown', markdown: { content: 'a'.repeat(20481) } })).errcode).toBe(45002);
      expect((await post(url, { msgtype: 'template_card', template_card: { card_type: 'text_notice' } })).errcode).not.toBe(0);
      expect((await post(url, { msgtype: 'markdown', markdown: { content: 'a'.repeat(20480) } })).errcode).toBe(0);
      const single = fake.mintResponseUrl({ chatType: 'single' });
      expect((await post(single, { msgtype: 'template_card', template_card: { card_type: 'text_notice' } })).errcode).toBe(0);
    });
  });

  describe('error injection', () => {
    it('consumes rules in order and counts every call', async () => {
      const t = await token(fake);
      fake.inject({ path: '/cgi-bin/message/send', errcode: 45033 });
      fake.inject({ path: '/cgi-bin/message/send', httpStatus: 502, times: 2 });
      fake.inject({ path: '/cgi-bin/message/send', invalidJson: true });
      expect((await sendText(fake, t, 'zhangsan', 'x')).json.errcode).toBe(45033);
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${fake.baseUrl}/cgi-bin/message/send?access_token=${t}`, { method: 'POST', body: '{}' });
        expect(response.status).toBe(502);
      }
      const broken = await fetch(`${fake.baseUrl}/cgi-bin/message/send?access_token=${t}`, { method: 'POST', body: '{}' });
      await expect(broken.json()).rejects.toThrow();
      expect((await sendText(fake, t, 'zhangsan', 'x')).json.errcode).toBe(0);
      expect(fake.calls('/cgi-bin/message/send')).toBe(5);
      expect(fake.deliveredTo('zhangsan')).toHaveLength(1);
    });

    it('can hold a request without answering and slow an answer down', async () => {
      const t = await token(fake);
      fake.inject({ path: '/cgi-bin/message/send', noResponse: true });
      await expect(
        fetch(`${fake.baseUrl}/cgi-bin/message/send?access_token=${t}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(200) }),
      ).rejects.toThrow();
      fake.inject({ path: '/cgi-bin/message/send', delayMs: 300 });
      const started = Date.now();
      expect((await sendText(fake, t, 'zhangsan', 'slow')).json.errcode).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(fake.pendingInjections()).toBe(0);
    });

    it('exposes state over the inspection routes', async () => {
      const t = await token(fake);
      await sendText(fake, t, 'zhangsan', 'seen');
      const delivered = (await (await fetch(`${fake.baseUrl}/__fake/delivered?user=zhangsan`)).json()) as Array<{ content: string }>;
      expect(delivered.map((d) => d.content)).toEqual(['seen']);
      const calls = (await (await fetch(`${fake.baseUrl}/__fake/calls?path=/cgi-bin/message/send`)).json()) as { calls: number };
      expect(calls.calls).toBe(1);
    });
  });
});
