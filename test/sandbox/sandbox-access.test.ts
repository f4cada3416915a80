/**
 * Who may use the sandbox, on SQLite and MariaDB/MySQL. With WeCom credentials the sandbox is off unless
 * SANDBOX_ENABLED=true; then every /sandbox request needs SANDBOX_ADMIN_TOKEN (a header, or the cookie of the login
 * step), and only the sandbox's own conversations stay in it. The page's event stream resumes after the last entry.
 * The sandbox clock keeps its lead over real time across a restart.
 */
import { storeOutboundFile } from '../../src/outbox/outbound-files';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { enqueueOutbox } from '../../src/outbox/outbox-writer';
import { seedRoster } from '../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';
import { SandboxBot, textOf } from './sandbox-harness';

const TOKEN = 'sandbox-test-token-6f1c2a9e4b7d';
/** A WeCom app that points at a closed port: a message routed to WeCom would fail, not leave the machine. */
const WECOM = {
  WECOM_API_BASE: 'http://127.0.0.1:9',
  WECOM_CORP_ID: 'ww1a2b3c4d5e6f7a8b',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'sandbox-test-app-secret',
  WECOM_TOKEN: 'Rk3pQ8vN2xLw',
  WECOM_ENCODING_AES_KEY: 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74',
};

describe.each(testDatabaseKinds())('access to the sandbox on %s', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource);
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('is off when WeCom is configured and SANDBOX_ENABLED is not set', async () => {
    const bot = await SandboxBot.start(db.url, WECOM);
    try {
      expect(bot.runtime.sandbox).toBeUndefined();
      expect((await bot.api('GET', '/sandbox/api/state')).status).toBe(404);
      expect((await bot.api('GET', '/sandbox/')).status).toBe(404);
    } finally {
      await bot.stop();
    }
  });

  it('beside WeCom, asks for the token on every request and keeps the sandbox conversation in the sandbox', async () => {
    const bot = await SandboxBot.start(db.url, { ...WECOM, SANDBOX_ENABLED: 'true', SANDBOX_ADMIN_TOKEN: TOKEN });
    try {
      const bearer = { authorization: `Bearer ${TOKEN}` };
      expect((await bot.api('GET', '/sandbox/api/state')).status).toBe(401);
      expect((await bot.api('GET', '/sandbox/api/state', undefined, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await bot.api('GET', '/sandbox/api/state', undefined, { 'x-sandbox-token': TOKEN.slice(0, -1) })).status).toBe(401);
      expect((await bot.api('GET', '/sandbox/api/events')).status).toBe(401);
      expect((await bot.api('POST', '/sandbox/api/messages', { as: 'zhongyutong', text: '我是谁' })).status).toBe(401);
      const state = await bot.api<{ mode: string; clock: { movable: boolean }; jumps: unknown[] }>('GET', '/sandbox/api/state', undefined, bearer);
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({ mode: 'beside-wecom', clock: { movable: false }, jumps: [] });
      // beside WeCom the bot keeps real time: real people must not get their reminders early
      const jump = await bot.api<{ error: string }>('POST', '/sandbox/api/clock', { jump: 'hour' }, bearer);
      expect(jump.status).toBe(409);
      expect(jump.body.error).toContain('不能拨动时间');
      const after = await bot.api<{ clock: { now: string } }>('GET', '/sandbox/api/state', undefined, bearer);
      expect(Math.abs(new Date(after.body.clock.now).getTime() - Date.now())).toBeLessThan(60_000);

      // the page and its script lead to the login step; the stylesheet is the login page's too
      const page = await bot.api('GET', '/sandbox/');
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/sandbox/login');
      expect((await bot.api('GET', '/sandbox/assets/sandbox.js')).status).toBe(302);
      expect((await bot.api('GET', '/sandbox/assets/sandbox.css')).status).toBe(200);

      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const wrong = await bot.api('POST', '/sandbox/login', `token=${encodeURIComponent(TOKEN.toUpperCase())}`, form);
      expect(wrong.status).toBe(401);
      expect(String(wrong.body)).toContain('令牌不正确');
      expect(wrong.headers.get('set-cookie')).toBeNull();
      const login = await bot.api('POST', '/sandbox/login', `token=${encodeURIComponent(TOKEN)}`, form);
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^sandbox_session=[0-9a-f]{64}; path=\/sandbox; samesite=strict; httponly$/i);
      expect(cookie).not.toContain(TOKEN);
      const session = { cookie: cookie.split(';')[0] };
      const withCookie = await bot.api('GET', '/sandbox/', undefined, session);
      expect(withCookie.status).toBe(200);
      expect(withCookie.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect((await bot.api('GET', '/sandbox/api/state', undefined, session)).status).toBe(200);

      // a form cannot post into the API: JSON only
      expect((await bot.api('POST', '/sandbox/api/messages', 'as=zhongyutong&text=hi', { ...session, 'content-type': 'text/plain' })).status).toBe(415);

      // the answer stays in the sandbox: it never goes to WeCom (whose API is a closed port here)
      bot.headers = bearer;
      const said = await bot.api('POST', '/sandbox/api/messages', { as: 'zhongyutong', chat: 'single', text: '我是谁' }, bearer);
      expect(said.status).toBe(202);
      await bot.quiet();
      const answers = (await bot.entries()).filter((e) => e.conversation === 'zhongyutong' && e.direction === 'out');
      expect(answers.map(textOf).join('\n')).toContain('钟雨桐');
      const rows = await bot.runtime.dataSource.getRepository(OutboxEntity).find();
      expect(rows.map((r) => [r.channel, r.status])).toEqual([['sandbox', 'sent']]);
    } finally {
      await bot.stop();
    }
  });

  it('streams the conversation entries as server-sent events, from the last one the page has', async () => {
    const bot = await SandboxBot.start(db.url, {});
    try {
      // alone and without a token, the page is open; its address has the slash
      const bare = await bot.api('GET', '/sandbox');
      expect([bare.status, bare.headers.get('location')]).toEqual([302, '/sandbox/']);
      expect((await bot.api('GET', '/sandbox/')).status).toBe(200);
      await bot.say('zhongyutong', '我是谁');
      const [first, second] = await bot.entries();
      const events = await readEvents(`${bot.baseUrl}/sandbox/api/events`, { 'last-event-id': String(first.id) }, 1);
      expect(events).toEqual([{ id: second.id, event: 'entry', data: expect.objectContaining({ id: second.id, conversation: 'zhongyutong', direction: 'out' }) }]);

      // a new entry reaches an open stream without asking again
      const open = readEvents(`${bot.baseUrl}/sandbox/api/events?after=${second.id}`, {}, 2);
      await new Promise((r) => setTimeout(r, 200));
      await bot.say('zhongyutong', '帮助');
      const live = await open;
      expect(live.map((e) => (e.data as { direction: string }).direction)).toEqual(['in', 'out']);
      expect(live.map((e) => e.id)).toEqual([second.id + 1, second.id + 2]);
    } finally {
      await bot.stop();
    }
  });

  it('offers the download of a file the bot sent into a sandbox conversation, and of no other', async () => {
    const bot = await SandboxBot.start(db.url, {});
    try {
      const { dataSource } = bot.runtime;
      const content = Buffer.from('序号,账号名称\r\n1,东岚发改\r\n', 'utf8');
      const { sent, kept } = await dataSource.transaction(async (manager) => {
        const now = new Date();
        const file = { contentType: 'text/csv', content, purpose: 'test', createdBy: 'songzhiwei' };
        const sentRef = await storeOutboundFile(manager, { ...file, name: '备案表.csv' }, now);
        const keptRef = await storeOutboundFile(manager, { ...file, name: '未发送.csv' }, now);
        await enqueueOutbox(manager, [{ dedupeKey: 'test:file', origin: 'export', message: { channel: 'app', toUser: ['songzhiwei'], body: { msgtype: 'file', file: sentRef } } }], now, 8);
        return { sent: sentRef, kept: keptRef };
      });
      bot.runtime.dispatcher.wake();
      await bot.quiet();
      const [entry] = (await bot.entries()).filter((e) => e.conversation === 'songzhiwei');
      expect(entry).toMatchObject({ kind: 'file', body: { msgtype: 'file', file: { fileId: sent.fileId, name: '备案表.csv' } } });

      const response = await fetch(`${bot.baseUrl}/sandbox/api/files/${sent.fileId}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('备案表.csv')}`);
      expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
      expect((await bot.api('GET', `/sandbox/api/files/${kept.fileId}`)).status).toBe(404);
    } finally {
      await bot.stop();
    }
  });

  it('keeps the sandbox clock ahead of real time across a restart', async () => {
    let bot = await SandboxBot.start(db.url, {});
    try {
      const moved = await bot.api<{ now: string }>('POST', '/sandbox/api/clock', { jump: 'hour' });
      expect(moved.status).toBe(200);
      expect(new Date(moved.body.now).getTime() - Date.now()).toBeGreaterThan(3_590_000);
      await bot.stop();
      bot = await SandboxBot.start(db.url, {});
      const state = await bot.api<{ clock: { now: string } }>('GET', '/sandbox/api/state');
      expect(new Date(state.body.clock.now).getTime() - Date.now()).toBeGreaterThan(3_590_000);
    } finally {
      await bot.stop();
    }
  });
});

/** Read `count` events of a server-sent event stream, then close it (aborting: cancelling the body would wait). */
async function readEvents(url: string, headers: Record<string, string>, count: number): Promise<Array<{ id: number; event: string; data: unknown }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const events: Array<{ id: number; event: string; data: unknown }> = [];
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(': '))
            .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)] as const),
        );
        if (fields.has('event')) events.push({ id: Number(fields.get('id')), event: String(fields.get('event')), data: JSON.parse(String(fields.get('data'))) });
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
