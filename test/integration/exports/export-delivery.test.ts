/**
 * 导出 by chat from end to end, on both databases: an admin asks, the inbox writes the file and its message to the
 * outbox, the dispatcher sends it through the real WeCom sender to the fake WeCom (media/upload, then message/send
 * msgtype file), and the bytes WeCom received open as the expected workbook. Also: a liaison is refused, a media_id
 * WeCom no longer knows (40007) leads to a fresh upload, and the CLI writes the file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ChatRouter } from '../../../src/chat/chat-router';
import { exportChatCommand } from '../../../src/chat/exports/export-chat-command';
import type { InboundMessage } from '../../../src/chat/inbound-message';
import { Inbox } from '../../../src/chat/inbox';
import { exportCommand } from '../../../src/cli/export-command';
import { CliError } from '../../../src/cli/cli-context';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import { OutboundFileEntity } from '../../../src/outbox/outbound-file-entity';
import { OutboundFileStore } from '../../../src/outbox/outbound-files';
import { OutboxEntity } from '../../../src/outbox/outbox-entity';
import { enqueueOutbox } from '../../../src/outbox/outbox-writer';
import { OutboxDispatcher } from '../../../src/outbox/outbox-dispatcher';
import { ManualClock } from '../../../src/shared/clock';
import { WebhookClient } from '../../../src/wecom/webhook-client';
import { WeComApiClient } from '../../../src/wecom/wecom-api-client';
import { WeComSender } from '../../../src/wecom/wecom-sender';
import { startFakeWeCom, type FakeWeCom } from '../../fake-wecom';
import { testLogger } from '../../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';
import { fixtureRecords, seedInspection, seedRegistry, type SeededInspection } from './export-fixture';

const CORP = 'wwfake0000000006';
const AGENT = 1000002;
const SECRET = 'fake-app-secret-exports-0123456789';
/** 2026-11-23 10:00 in Beijing */
const T0 = new Date('2026-11-23T02:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

let seq = 0;
function text(userId: string, content: string): InboundMessage {
  seq++;
  return { channel: 'app', msgKey: `export-${seq}-${Date.now()}`, userId, chatType: 'single', msgType: 'text', text: content, createdAt: T0 };
}

async function open(bytes: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  return workbook.worksheets[0];
}

describe.each(testDatabaseKinds())('export delivery on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeWeCom;
  /** the bot's clock and WeCom's clock, apart so WeCom can be days ahead */
  let botClock: ManualClock;
  let wecomClock: ManualClock;
  let inbox: Inbox;
  let dispatcher: OutboxDispatcher;
  let seeded: SeededInspection;
  let units: Array<Record<string, string>>;
  let admin: string;
  let liaison: string;

  beforeEach(async () => {
    botClock = new ManualClock(T0);
    wecomClock = new ManualClock(T0);
    db = await createTestDatabase(kind);
    await seedRegistry(db.dataSource, botClock);
    seeded = await seedInspection(db.dataSource, T0);
    units = await fixtureRecords('units.csv');
    admin = units.find((u) => u['系统角色'].includes('组织单位'))!['联络员企业微信账号'];
    liaison = units.find((u) => u['单位简称'] === '区文旅局')!['联络员企业微信账号'];
    fake = await startFakeWeCom({ clock: wecomClock, corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }], users: [admin, liaison] });
    const logger = testLogger();
    const sender = new WeComSender({
      api: new WeComApiClient({ apiBase: fake.baseUrl, corpId: CORP, agentId: AGENT, secret: SECRET, timeoutMs: 5000, clock: botClock, logger }),
      webhook: new WebhookClient({ timeoutMs: 5000 }),
      timeoutMs: 5000,
      logger,
      files: new OutboundFileStore(db.dataSource),
      clock: botClock,
    });
    dispatcher = new OutboxDispatcher({
      dataSource: db.dataSource,
      sender,
      clock: botClock,
      logger,
      config: { pollIntervalMs: 50, batchSize: 50, maxAttempts: 5, leaseSeconds: 30, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
    });
    inbox = new Inbox({
      dataSource: db.dataSource,
      clock: botClock,
      logger,
      handler: new ChatRouter({ officeContact: '区政府办公室政务公开办', commands: [exportChatCommand] }),
      outboxMaxAttempts: 5,
    });
  });

  afterEach(async () => {
    await inbox.stop();
    await fake.close();
    await db.destroy();
  });

  const ask = async (userId: string, content: string) => {
    await inbox.accept(text(userId, content));
    await inbox.idle();
    await dispatcher.runOnce();
  };
  const textsTo = (userId: string) => fake.deliveredTo(userId).filter((d) => d.msgtype === 'text').map((d) => d.content ?? '');

  it('an admin asks for a unit’s 检查结果信息表: WeCom receives the upload and the file message, the bytes are the workbook', async () => {
    await ask(admin, '导出 检查结果 2026年第三季度 区文旅局');

    const uploads = fake.uploads();
    expect(uploads).toHaveLength(1);
    const upload = uploads[0];
    expect(upload.type).toBe('file');
    expect(upload.filename).toBe('2026年第三季度政务新媒体检查结果信息表-区文旅局.xlsx');
    expect(upload.filelength).toBe(upload.bytes.length);
    const uploadRequest = fake.requests('/cgi-bin/media/upload')[0];
    expect(uploadRequest.query.type).toBe('file');
    expect(uploadRequest.contentType).toMatch(/^multipart\/form-data; boundary=/);

    const files = fake.deliveredTo(admin).filter((d) => d.msgtype === 'file');
    expect(files).toHaveLength(1);
    expect(files[0].media?.mediaId).toBe(upload.mediaId);
    const stored = await db.dataSource.getRepository(OutboundFileEntity).findOneByOrFail({ name: upload.filename });
    expect(Buffer.compare(upload.bytes, Buffer.from(stored.content))).toBe(0);
    expect(stored.mediaId).toBe(upload.mediaId);

    const sheet = await open(upload.bytes);
    const unit = units.find((u) => u['单位简称'] === '区文旅局')!;
    expect(sheet.getCell('A1').value).toBe('2026年第三季度政务新媒体检查结果信息表');
    expect(sheet.getCell('A2').value).toBe(`填报单位：${unit['单位名称']}`);
    const unitId = (await db.dataSource.getRepository(UnitEntity).findOneByOrFail({ name: unit['单位名称'] })).id;
    const mine = seeded.findings.filter((f) => f.unitId === unitId).sort((a, b) => (a.rowNo ?? 0) - (b.rowNo ?? 0) || a.id - b.id);
    expect(mine.length).toBeGreaterThan(0);
    mine.forEach((f, i) => expect(sheet.getCell(4 + i, 3).value).toBe(f.accountNameRaw));
    expect(sheet.getCell(4 + mine.length, 1).value ?? null).toBeNull();

    const replies = textsTo(admin);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('已生成《2026年第三季度政务新媒体检查结果信息表》');
    expect(replies[0]).toContain('含手机号等个人信息');
    // the text comes before the file
    const order = fake.deliveredTo(admin).map((d) => d.msgtype);
    expect(order).toEqual(['text', 'file']);
    const audit = await db.dataSource.getRepository(AuditEntity).findOneByOrFail({ action: 'export.results' });
    expect(audit.actor).toBe(admin);
  });

  it('导出 alone lists the tables; a liaison is refused and nothing is generated; bad words get a clear answer', async () => {
    await ask(admin, '导出');
    expect(textsTo(admin)[0]).toContain('可以导出以下表格');
    for (const word of ['台账', '检查结果', '检查情况', '排查表', '备案表']) expect(textsTo(admin)[0]).toContain(word);

    await ask(liaison, '导出 台账');
    expect(textsTo(liaison)).toEqual([expect.stringContaining('“导出”仅限政务公开办管理员使用')]);
    await ask(liaison, '导出台账');
    expect(textsTo(liaison)[1]).toContain('仅限政务公开办管理员使用');
    expect(await db.dataSource.getRepository(OutboundFileEntity).count()).toBe(0);
    expect(await db.dataSource.getRepository(AuditEntity).count({ where: { action: 'export.registry' } })).toBe(0);

    await ask(admin, '导出 花名册');
    await ask(admin, '导出 检查结果 2025年第一季度');
    await ask(admin, '导出 台账 区宇航局');
    const [, unknownTable, unknownRound, unknownUnit] = textsTo(admin);
    expect(unknownTable).toContain('没有“花名册”这种表格');
    expect(unknownRound).toContain('没有“2025年第一季度”这一检查轮次');
    expect(unknownRound).toContain('2026年第三季度');
    expect(unknownUnit).toContain('单位名册中没有“区宇航局”');
    expect(fake.uploads()).toHaveLength(0);
  });

  it('a media_id WeCom no longer knows (40007) is uploaded again; a valid one is used again without an upload', async () => {
    await ask(admin, '导出 备案表 东岚发布 抖音');
    expect(fake.uploads()).toHaveLength(1);
    const file = await db.dataSource.getRepository(OutboundFileEntity).findOneByOrFail({ purpose: 'export:filing-form' });
    const resend = async (key: string) => {
      await db.dataSource.transaction((m) =>
        enqueueOutbox(m, [{ dedupeKey: key, origin: 'test', message: { channel: 'app', toUser: [admin], body: { msgtype: 'file', file: { fileId: file.id, name: file.name } } } }], botClock.now(), 5),
      );
      await dispatcher.runOnce();
    };

    // within the 3 days: the cached media_id is sent again, no second upload
    botClock.advance(DAY);
    wecomClock.advance(DAY);
    await resend('again-1');
    expect(fake.uploads()).toHaveLength(1);
    expect(fake.fileMessages()).toHaveLength(2);

    // WeCom's clock is past the 3 days while ours still trusts the media_id: 40007, a fresh upload, then the file
    wecomClock.advance(2 * DAY + 60_000);
    await resend('again-2');
    expect(fake.uploads()).toHaveLength(2);
    const [first, fresh] = fake.uploads();
    // after WeCom's clock jumped: the old media_id was tried (refused), then the fresh one (its token renewed on the way)
    const late = fake.requests('/cgi-bin/message/send').filter((r) => r.at.getTime() > T0.getTime() + 3 * DAY);
    expect(late.some((r) => r.body.includes(first.mediaId))).toBe(true);
    expect(late[late.length - 1].body).toContain(fresh.mediaId);
    const messages = fake.fileMessages();
    expect(messages).toHaveLength(3);
    expect(messages[2].media?.mediaId).toBe(fake.uploads()[1].mediaId);
    expect(Buffer.compare(messages[2].media!.bytes, fake.uploads()[0].bytes)).toBe(0);
    const row = await db.dataSource.getRepository(OutboxEntity).findOneByOrFail({ dedupeKey: 'again-2' });
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await db.dataSource.getRepository(OutboundFileEntity).findOneByOrFail({ id: file.id })).mediaId).toBe(fake.uploads()[1].mediaId);
  });

  it('the CLI writes the file, and says in English and Chinese what is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-cli-'));
    try {
      const out = join(dir, 'failures.xlsx');
      const printed: string[] = [];
      const code = await exportCommand(db.dataSource, ['failures', '--round', '2026Q3', '--out', out], { actor: 'cli:test', clock: botClock, print: (t) => printed.push(t) });
      expect(code).toBe(0);
      expect(existsSync(out)).toBe(true);
      const sheet = await open(readFileSync(out));
      const failed = (await fixtureRecords('inspection-2026Q3.csv')).filter((r) => r['是否合格'] === '不合格');
      expect(sheet.getCell('A1').value).toBe('2026年第三季度政务新媒体检查情况信息表');
      failed.forEach((r, i) => expect(sheet.getCell(3 + i, 2).value).toBe(r['账号名称']));
      expect(printed.join('\n')).toContain(`${failed.length} rows`);
      const audit = await db.dataSource.getRepository(AuditEntity).findOneByOrFail({ action: 'export.failures' });
      expect(audit.actor).toBe('cli:test');
      expect(JSON.parse(audit.detail!)).toMatchObject({ via: 'cli' });

      // default file name in the working directory
      await exportCommand(db.dataSource, ['台账', '--unit', '区文旅局'], { actor: 'cli:test', clock: botClock, print: () => undefined, cwd: dir });
      expect(existsSync(join(dir, '政务新媒体账号台账-区文旅局-20261123.xlsx'))).toBe(true);

      const refusal = async (args: string[]) => {
        const error = await exportCommand(db.dataSource, args, { actor: 'cli:test', clock: botClock, print: () => undefined, cwd: dir }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CliError);
        return (error as CliError).message;
      };
      const table = await refusal(['roster']);
      expect(table).toContain('Unknown table "roster"');
      expect(table).toContain('没有“roster”这种表格');
      const round = await refusal(['results', '--round', '2025Q1']);
      expect(round).toContain('No inspection round "2025Q1"');
      expect(round).toContain('2026Q3');
      const unit = await refusal(['cleanup', '--unit', '区宇航局']);
      expect(unit).toContain('No unit "区宇航局"');
      expect(unit).toContain('单位名册中没有“区宇航局”');
      expect(await refusal(['filing-form', '--account', '东岚发布'])).toContain('add --type or use the id');
      expect(await refusal(['registry', '--colour', 'red'])).toContain('Unknown option "--colour"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
