import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InboxEntity } from '../../src/chat/inbox-entity';
import { importUnitsCommand } from '../../src/cli/import-units-command';
import { loadConfig } from '../../src/config/load-config';
import { createRuntime, type Runtime } from '../../src/main';
import { systemClock } from '../../src/shared/clock';
import {
  buildAppTextXml,
  buildRobotTextJson,
  startFakeWeCom,
  WeComCallbackClient,
  type FakeWeCom,
} from '../fake-wecom';
import { eventually } from '../helpers/eventually';
import { seedRoster } from '../helpers/seed-roster';
import { testLogger } from '../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const CORP_ID = 'ww1a2b3c4d5e6f7a8b';
const AGENT_ID = 1000002;
const APP_TOKEN = 'Rk3pQ8vN2xLw';
const APP_KEY = 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74';
const ROBOT_TOKEN = 'RbT0k3nAbc';
const ROBOT_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const ROBOT_ID = 'aibQ7xW2mK9pL4nR8tV1zB6cD3fG5hJ0';
const EMPTY_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'bot-config-'));

describe.each(testDatabaseKinds())('WeCom callbacks end to end on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeWeCom;
  let runtime: Runtime;
  let botUrl: string;
  let app: WeComCallbackClient;
  let robot: WeComCallbackClient;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource);
    fake = await startFakeWeCom({
      corps: [{ corpId: CORP_ID, agents: [{ agentId: AGENT_ID, secret: 'app-secret-1' }] }],
      users: ['zhongyutong', 'luojiahe', 'baizhenhua', 'songzhiwei', 'shaomingzhe', 'stranger01', 'fenglixin'],
      tokenTtlSeconds: 7200,
    });
    const config = loadConfig(
      {
        DATABASE_URL: db.url,
        LOG_LEVEL: 'silent',
        WECOM_API_BASE: fake.baseUrl,
        WECOM_CORP_ID: CORP_ID,
        WECOM_AGENT_ID: String(AGENT_ID),
        WECOM_SECRET: 'app-secret-1',
        WECOM_TOKEN: APP_TOKEN,
        WECOM_ENCODING_AES_KEY: APP_KEY,
        WECOM_ROBOT_TOKEN: ROBOT_TOKEN,
        WECOM_ROBOT_ENCODING_AES_KEY: ROBOT_KEY,
        WECOM_ROBOT_NAME: '联络助手',
        OUTBOX_POLL_INTERVAL_MS: '50',
        OUTBOX_BACKOFF_BASE_MS: '50',
        HTTP_BODY_LIMIT_BYTES: '8192',
        OFFICE_CONTACT: '区政府办公室政务公开办（0123-6800001）',
      },
      EMPTY_CONFIG_DIR,
    );
    runtime = createRuntime(config, { logger: testLogger() });
    await runtime.start();
    const server = await runtime.listen(0);
    const address = server.address();
    botUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    app = new WeComCallbackClient({ baseUrl: botUrl, token: APP_TOKEN, encodingAesKey: APP_KEY, receiveId: CORP_ID });
    robot = new WeComCallbackClient({ baseUrl: botUrl, token: ROBOT_TOKEN, encodingAesKey: ROBOT_KEY, receiveId: '' });
  });

  afterEach(async () => {
    await runtime.stop();
    await fake.close();
    await db.destroy();
  });

  const contentsTo = (userId: string) => fake.deliveredTo(userId).map((d) => d.content ?? '');

  it('verifies both callback URLs with the exact plaintext', async () => {
    const a = await app.verifyUrl('/wecom/app/callback');
    const r = await robot.verifyUrl('/wecom/robot/callback');
    expect(a.echoed).toBe(true);
    expect(r.echoed).toBe(true);
    expect(a.body).toBe(a.expectedEcho);
  });

  it('answers 帮助 from a liaison through message/send, once even when WeCom retries the callback', async () => {
    const xml = buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '帮助', agentId: AGENT_ID });
    const first = await app.postAppMessage('/wecom/app/callback', xml);
    expect(first.status).toBe(200);
    expect(first.body).toBe('');
    // WeCom resends the very same request when it did not see an answer in time
    const retry = await app.send(first.request);
    expect(retry.status).toBe(200);
    const [reply] = await eventually(() => {
      const texts = contentsTo('zhongyutong');
      return texts.length ? texts : undefined;
    });
    expect(reply).toContain('钟雨桐您好');
    expect(reply).toContain('帮助');
    await runtime.inbox.idle();
    await new Promise((r) => setTimeout(r, 200));
    expect(contentsTo('zhongyutong')).toHaveLength(1);
    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(1);

    // asking again is a new message: the same help text must not be swallowed by WeCom's duplicate check
    await app.postAppMessage('/wecom/app/callback', buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '帮助', agentId: AGENT_ID }));
    const both = await eventually(() => (contentsTo('zhongyutong').length === 2 ? contentsTo('zhongyutong') : undefined));
    expect(both[1]).toBe(both[0]);
    expect(fake.duplicates()).toHaveLength(0);
  });

  it('recovers from an expired access token and from a busy WeCom without losing the reply', async () => {
    // warm the token, then expire it on WeCom's side
    await app.postAppMessage('/wecom/app/callback', buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '帮助', agentId: AGENT_ID }));
    await eventually(() => contentsTo('zhongyutong').length === 1);
    fake.revokeToken(undefined, 42001);
    fake.inject({ path: '/cgi-bin/message/send', errcode: -1, times: 1 });
    await app.postAppMessage('/wecom/app/callback', buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '我是谁', agentId: AGENT_ID }));
    const texts = await eventually(() => (contentsTo('zhongyutong').length === 2 ? contentsTo('zhongyutong') : undefined));
    expect(texts[1]).toContain('东岚区发展和改革局（DL002）— 联络员');
    expect(fake.issuedTokens().length).toBeGreaterThanOrEqual(2);
  });

  it('answers an @-mention in a work group through the robot, with the name stripped and the phone masked', async () => {
    const responseUrl = fake.mintResponseUrl({ chatType: 'group', userId: 'zhongyutong', chatId: 'wrkGrpA1', aibotId: ROBOT_ID });
    const json = buildRobotTextJson({ aibotId: ROBOT_ID, from: 'zhongyutong', content: '@联络助手 我是谁', chatType: 'group', chatId: 'wrkGrpA1', responseUrl });
    const result = await robot.postRobotMessage('/wecom/robot/callback', json);
    expect(result.status).toBe(200);
    const [response] = await eventually(() => (fake.robotResponses().length ? fake.robotResponses() : undefined));
    expect(response.content).toContain('姓名：钟雨桐');
    expect(response.content).toContain('177****0218');
    expect(response.content).not.toContain('17700000218');
    const [stored] = await db.dataSource.getRepository(InboxEntity).find();
    expect(stored.text).toBe('我是谁');
    expect(stored.chatId).toBe('wrkGrpA1');
  });

  it('tells an unknown user whom to contact and the admins once; a roster import takes effect without restart', async () => {
    const responseUrl = fake.mintResponseUrl({ chatType: 'single', userId: 'fenglixin', aibotId: ROBOT_ID });
    await robot.postRobotMessage('/wecom/robot/callback', buildRobotTextJson({ aibotId: ROBOT_ID, from: 'fenglixin', content: '帮助', responseUrl }));
    await app.postAppMessage('/wecom/app/callback', buildAppTextXml({ corpId: CORP_ID, from: 'fenglixin', content: '你好', agentId: AGENT_ID }));
    await eventually(() => fake.robotResponses().length === 1 && contentsTo('fenglixin').length === 1);
    expect(fake.robotResponses()[0].content).toContain('区政府办公室政务公开办（0123-6800001）');
    await eventually(() => contentsTo('songzhiwei').length === 1);
    await new Promise((r) => setTimeout(r, 200));
    for (const admin of ['luojiahe', 'baizhenhua', 'songzhiwei']) {
      expect(contentsTo(admin)).toHaveLength(1);
      expect(contentsTo(admin)[0]).toContain('fenglixin');
    }

    // the office imports the full roster while the bot runs: 冯立新 (fenglixin) is 区科技局's leader
    const summary = await importUnitsCommand(runtime.dataSource, resolve(__dirname, '../fixtures/units.csv'), {
      actor: 'test',
      clock: systemClock,
    });
    expect(summary.unitsCreated + summary.unitsUpdated).toBe(40);
    await app.postAppMessage('/wecom/app/callback', buildAppTextXml({ corpId: CORP_ID, from: 'fenglixin', content: '我是谁', agentId: AGENT_ID }));
    const texts = await eventually(() => (contentsTo('fenglixin').length === 2 ? contentsTo('fenglixin') : undefined));
    expect(texts[1]).toContain('东岚区科学技术局（DL004）— 分管负责人');
  });

  it('refuses tampered, foreign, stale and oversized callbacks with a 4xx and stores nothing', async () => {
    const xml = buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '帮助', agentId: AGENT_ID });
    const good = app.buildAppRequest('/wecom/app/callback', xml);

    const badSignature = { ...good, query: { ...good.query, msg_signature: '0'.repeat(40) } };
    expect((await app.send(badSignature)).status).toBe(403);

    const otherCorp = new WeComCallbackClient({ baseUrl: botUrl, token: APP_TOKEN, encodingAesKey: APP_KEY, receiveId: 'wwffffffffffffffff' });
    expect((await otherCorp.postAppMessage('/wecom/app/callback', xml)).status).toBe(403);

    const stale = new WeComCallbackClient({
      baseUrl: botUrl,
      token: APP_TOKEN,
      encodingAesKey: APP_KEY,
      receiveId: CORP_ID,
      now: () => new Date(Date.now() - 20 * 60 * 1000),
    });
    expect((await stale.postAppMessage('/wecom/app/callback', xml)).status).toBe(403);

    const huge = buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '长'.repeat(4000), agentId: AGENT_ID });
    expect((await app.postAppMessage('/wecom/app/callback', huge)).status).toBe(413);

    const notXml = { ...good, body: '{"encrypt":"x"}' };
    expect((await app.send(notXml)).status).toBe(400);

    expect(await db.dataSource.getRepository(InboxEntity).count()).toBe(0);
    expect(fake.appMessages()).toHaveLength(0);
  });

  it('verifies the URL without the database, and /healthz reports the database', async () => {
    const up = await fetch(`${botUrl}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok', database: 'up' });
    await runtime.inbox.stop();
    await runtime.dispatcher.stop();
    await runtime.dataSource.destroy();
    const down = await fetch(`${botUrl}/healthz`);
    expect(down.status).toBe(503);
    expect((await app.verifyUrl('/wecom/app/callback')).echoed).toBe(true);
    // a message that cannot be stored is answered 500, so WeCom retries it later
    const xml = buildAppTextXml({ corpId: CORP_ID, from: 'zhongyutong', content: '帮助', agentId: AGENT_ID });
    expect((await app.postAppMessage('/wecom/app/callback', xml)).status).toBe(500);
    await runtime.dataSource.initialize(); // for afterEach
  });
});
