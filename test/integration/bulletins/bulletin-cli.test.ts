/** `npm run cli -- bulletin …`: preview without --yes, publish with it, receipts and list, and the refusals. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulletinCommand, parsePublishOptions } from '../../../src/cli/bulletin-command';
import { CliError } from '../../../src/cli/cli-context';
import { BulletinEntity } from '../../../src/domain/bulletins/bulletin-entities';
import { acknowledge } from '../../../src/domain/bulletins/bulletin-service';
import { OutboxEntity } from '../../../src/outbox/outbox-entity';
import { ManualClock } from '../../../src/shared/clock';
import { seedRoster } from '../../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const NOW = new Date('2026-11-20T01:00:00Z');

describe('bulletin publish options', () => {
  it('reads values after the option or after =, and --yes', () => {
    expect(parsePublishOptions(['--title', '周报', '--body=内容', '--audience', 'all', '--yes'])).toEqual({ title: '周报', body: '内容', audience: 'all', yes: true });
  });

  it.each([
    [['--colour', 'red'], 'Unknown option "--colour"'],
    [['--title'], '--title needs a value'],
    [['--title', 'a', '--title', 'b'], '--title is given twice'],
  ])('refuses %j', (args, message) => {
    expect(() => parsePublishOptions(args)).toThrow(message);
  });
});

describe.each(testDatabaseKinds())('bulletin command on %s', (kind) => {
  let db: TestDatabase;
  let output: string[];
  const clock = new ManualClock(NOW);
  const run = (args: string[], groupWebhook = true) =>
    bulletinCommand(db.dataSource, args, { actor: 'cli:office', clock, channels: { groupWebhook, outboxMaxAttempts: 8 }, print: (t) => output.push(t) });

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource, NOW);
    output = [];
  });
  afterEach(async () => db.destroy());

  it('previews without --yes and publishes nothing; with --yes publishes from a body file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulletin-'));
    const file = join(dir, 'body.txt');
    writeFileSync(file, '\uFEFF各单位：\r\n请于12月5日前报送自查结果。\r\n');
    const args = ['publish', '--title', '自查结果报送通知', '--body-file', file, '--audience', 'units:区发改局，区教体局'];

    expect(await run(args)).toBe(0);
    expect(output.join('\n')).toContain('接收人：2个单位的2名联络员（钟雨桐、邵明哲）');
    expect(output.join('\n')).toContain('Not published (preview only). Run again with --yes to publish.');
    expect(await db.dataSource.getRepository(BulletinEntity).count()).toBe(0);
    expect(await db.dataSource.getRepository(OutboxEntity).count()).toBe(0);

    output = [];
    expect(await run([...args, '--yes'])).toBe(0);
    expect(output.join('\n')).toContain('已发布通报《自查结果报送通知》（编号 1）：发送给2个单位的2名联络员');
    const bulletin = await db.dataSource.getRepository(BulletinEntity).findOneByOrFail({ id: 1 });
    expect(bulletin).toMatchObject({ body: '各单位：\n请于12月5日前报送自查结果。', createdBy: 'cli:office', audienceKind: 'units' });
    expect((await db.dataSource.getRepository(OutboxEntity).find({ order: { id: 'ASC' } })).map((r) => r.dedupeKey)).toEqual([
      'bulletin:1:webhook:1',
      'bulletin:1:card:zhongyutong',
      'bulletin:1:card:shaomingzhe',
    ]);

    await db.dataSource.transaction((m) => acknowledge(m, 1, 'shaomingzhe', NOW));
    output = [];
    expect(await run(['receipts', '1'])).toBe(0);
    expect(output.join('\n')).toContain('已阅 1/2 人。\n尚未阅读（1人）：\n· 东岚区发展和改革局：钟雨桐');
    output = [];
    expect(await run(['list'])).toBe(0);
    expect(output.join('\n')).toContain('编号 1《自查结果报送通知》');
  });

  it('says in the preview when no work group is configured', async () => {
    expect(await run(['publish', '--title', '通知', '--body', '内容', '--audience', 'all'], false)).toBe(0);
    expect(output.join('\n')).toContain('未配置工作群机器人（WECOM_GROUP_WEBHOOK_URL），本次不发工作群');
  });

  it('refuses unknown units, a missing audience, an empty audience and an unknown bulletin', async () => {
    await expect(run(['publish', '--title', '通知', '--body', '内容', '--audience', 'units:区住建局'])).rejects.toThrow('no unit "区住建局" in the roster');
    await expect(run(['publish', '--title', '通知', '--body', '内容'])).rejects.toThrow('--audience is required');
    await expect(run(['publish', '--title', '通知', '--body', '内容', '--audience', 'open-findings', '--yes'])).rejects.toThrow('目前没有有待整改问题的单位');
    await expect(run(['receipts', '9'])).rejects.toThrow(CliError);
    await expect(run(['frobnicate'])).rejects.toThrow('Unknown bulletin command "frobnicate"');
    expect(await db.dataSource.getRepository(BulletinEntity).count()).toBe(0);
  });
});
