import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { IsNull } from 'typeorm';
import { importAccountsCommand } from '../../../src/cli/import-accounts-command';
import { importInspectionCommand } from '../../../src/cli/import-inspection-command';
import { inspectionQueueCommand } from '../../../src/cli/inspection-queue-command';
import { importUnitsCommand } from '../../../src/cli/import-units-command';
import { CliError } from '../../../src/cli/cli-context';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { AccountEntity } from '../../../src/domain/registry/account-entity';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import {
  FindingEntity,
  InspectionImportEntity,
  InspectionQueueEntity,
  InspectionRoundEntity,
  type FindingRow,
} from '../../../src/domain/inspection/finding-entity';
import {
  InspectionImportError,
  importInspection,
  readInspectionFile,
  type InspectionImportSummary,
} from '../../../src/domain/inspection/inspection-import';
import { dismissQueueEntry, markUnregistered, resolveQueueEntry } from '../../../src/domain/inspection/inspection-queue';
import { loadProblemVocabulary } from '../../../src/domain/inspection/problem-vocabulary';
import { ManualClock } from '../../../src/shared/clock';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const ROOT = join(__dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures');
const INSPECTION = readFileSync(join(FIXTURES, 'inspection-2026Q3.csv'));
const vocabulary = loadProblemVocabulary(join(ROOT, 'config/problem-codes.json'));

/** The fixture as a grid of cells (its cells hold no ASCII comma or quote). */
function grid(csv: Buffer): string[][] {
  return csv
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .map((l) => l.split(','));
}
const GRID = grid(INSPECTION);
const HEADER = GRID[0];
const col = (name: string): number => HEADER.indexOf(name);
const DATA = GRID.slice(1);
const ACCOUNT_GRID = grid(readFileSync(join(FIXTURES, 'accounts.csv')));
const acol = (name: string): number => ACCOUNT_GRID[0].indexOf(name);

function csv(rows: string[][]): Buffer {
  return Buffer.from('\uFEFF' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n');
}

/** Numbers the fixture itself gives: rows, accounts named (a 抖音、快手 cell names two), failures, failing 填报单位. */
function expectedFromFixture() {
  const platformsOf = (row: string[]) => row[col('账号类型')].split('、').length;
  const failing = DATA.filter((r) => r[col('是否合格')] === '不合格');
  const filerOf = (row: string[]) =>
    ACCOUNT_GRID.slice(1)
      .filter((a) => a[acol('账号名称')] === row[col('账号名称')] && a[acol('开办单位')] === row[col('开设单位')])
      .map((a) => a[acol('填报单位')]);
  return {
    rows: DATA.length,
    entries: DATA.reduce((n, r) => n + platformsOf(r), 0),
    failing: failing.reduce((n, r) => n + platformsOf(r), 0),
    failingUnits: new Set(failing.flatMap(filerOf)),
    twoPlatformRow: DATA.find((r) => platformsOf(r) === 2)!,
  };
}

describe.each(testDatabaseKinds())('inspection import on %s', (kind) => {
  let db: TestDatabase;
  const clock = new ManualClock('2026-10-15T02:00:00Z');

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await importUnitsCommand(db.dataSource, join(FIXTURES, 'units.csv'), { actor: 'test', clock });
    await importAccountsCommand(db.dataSource, join(FIXTURES, 'accounts.csv'), { actor: 'test', clock });
  });

  afterEach(async () => {
    await db.destroy();
  });

  async function importBuffer(buffer: Buffer, fileName: string, round = '2026年第三季度', options: { dryRun?: boolean; period?: string } = {}): Promise<InspectionImportSummary> {
    const file = await readInspectionFile(buffer, fileName);
    return db.dataSource.transaction((manager) =>
      importInspection(manager, { ...file, round: { title: round, period: options.period ?? null }, vocabulary, actor: 'test', now: clock.now() }, options),
    );
  }
  const findings = (): Promise<FindingRow[]> => db.dataSource.getRepository(FindingEntity).find({ order: { id: 'ASC' } });
  const accountId = async (name: string, platformType: string, subtype?: string): Promise<number> => {
    const accounts = await db.dataSource.getRepository(AccountEntity).find({ where: { name, platformType: platformType as never } });
    return accounts.find((a) => subtype === undefined || a.platformSubtype === subtype)!.id;
  };

  it('imports the fixture: one finding per account, the table’s 是否合格, row 36 by the place rule, the two-platform row twice', async () => {
    const expected = expectedFromFixture();
    const preview = await importBuffer(INSPECTION, 'inspection-2026Q3.csv', '2026年第三季度', { dryRun: true });
    expect(preview.dryRun).toBe(true);
    expect(await db.dataSource.getRepository(InspectionRoundEntity).count()).toBe(0);
    expect(await db.dataSource.getRepository(FindingEntity).count()).toBe(0);

    const summary = await importBuffer(INSPECTION, 'inspection-2026Q3.csv');
    expect(summary.round).toMatchObject({ title: '2026年第三季度', period: '2026Q3', created: true });
    expect(summary.rowsRead).toBe(expected.rows);
    expect(summary.entries).toBe(expected.entries);
    expect(summary.failing).toBe(expected.failing);
    expect(summary.passing).toBe(expected.entries - expected.failing);
    expect(new Set(summary.failingUnits)).toEqual(expected.failingUnits);
    expect(summary.queued).toEqual({});
    expect(summary.created.exact + summary.created.normalized + summary.created.fuzzy).toBe(expected.entries);
    expect(preview.created).toEqual(summary.created);

    const stored = await findings();
    expect(stored).toHaveLength(expected.entries);
    expect(stored.filter((f) => !f.qualified)).toHaveLength(expected.failing);
    expect(stored.filter((f) => !f.qualified).every((f) => f.status === 'open')).toBe(true);
    expect(stored.filter((f) => f.qualified).every((f) => f.status === 'passed')).toBe(true);

    // row 36: 东岚区政务服务 is the registry's 东岚政务服务 (服务号): the only row without an exact name
    const row36 = stored.filter((f) => f.rowNo === 36);
    expect(row36).toHaveLength(1);
    expect(row36[0]).toMatchObject({ matchConfidence: 'fuzzy', accountId: await accountId('东岚政务服务', 'wechat', '服务号') });
    expect(stored.filter((f) => f.matchConfidence !== 'exact').map((f) => f.rowNo)).toEqual([36]);

    // the 抖音、快手 row: two findings, one per account, the same problems
    const two = stored.filter((f) => f.rowNo === Number(expected.twoPlatformRow[col('序号')]));
    expect(two.map((f) => f.platformTypeRaw).sort()).toEqual(['快手', '抖音'].sort());
    expect(new Set(two.map((f) => f.accountId))).toEqual(
      new Set([await accountId(expected.twoPlatformRow[col('账号名称')], 'douyin'), await accountId(expected.twoPlatformRow[col('账号名称')], 'kuaishou')]),
    );
    expect(two.every((f) => f.problemCodes === two[0].problemCodes && !f.qualified)).toBe(true);

    // 合格 with a minor problem stays 合格; a suspended account still gets its finding
    const row5 = stored.find((f) => f.rowNo === 5)!;
    expect(row5).toMatchObject({ qualified: expect.anything(), status: 'passed', problemCodes: 'TYPO' });
    expect(Boolean(row5.qualified)).toBe(true);
    const row35 = stored.find((f) => f.rowNo === 35)!;
    expect(row35).toMatchObject({ status: 'open', problemCodes: 'NOT_CANCELLED', severity: 'advisory' });
    const suspended = await db.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: row35.accountId! });
    expect(suspended.runStatus).toBe('suspended');
    expect(stored.find((f) => f.rowNo === 7)!.severity).toBe('veto');

    // each finding is for the account's 填报单位 (public institutions are filed by their 代管部门)
    const accounts = new Map((await db.dataSource.getRepository(AccountEntity).find()).map((a) => [a.id, a]));
    expect(stored.every((f) => accounts.get(f.accountId!)!.filerUnitId === f.unitId)).toBe(true);
    expect(await db.dataSource.getRepository(InspectionImportEntity).count()).toBe(1);
    expect(await db.dataSource.getRepository(AuditEntity).count({ where: { action: 'inspection.import' } })).toBe(1);
  });

  it('importing the same file again applies nothing and says unchanged; a changed row updates an untouched finding and reports a conflict for a dispatched one', async () => {
    const first = await importBuffer(INSPECTION, 'inspection-2026Q3.csv');
    const before = await findings();
    const again = await importBuffer(INSPECTION, 'inspection-2026Q3.csv');
    expect(again.round.created).toBe(false);
    expect(again.created).toEqual({ exact: 0, normalized: 0, fuzzy: 0 });
    expect(again.updated).toBe(0);
    expect(again.unchanged).toBe(first.entries);
    expect(await findings()).toEqual(before);

    // row 1 passes in the file; row 4 fails. Change both; row 4's finding was already sent to the unit.
    const dispatched = before.find((f) => f.rowNo === 4)!;
    await db.dataSource.getRepository(FindingEntity).update({ id: dispatched.id }, { dispatchedAt: clock.now() });
    const changed = GRID.map((r) => {
      if (r[0] === '1') return r.map((c, i) => (i === col('是否合格') ? '不合格' : i === col('主要问题') ? '更新不及时' : c));
      if (r[0] === '4') return r.map((c, i) => (i === col('是否合格') ? '合格' : i === col('主要问题') ? '' : c));
      return r;
    });
    const third = await importBuffer(csv(changed), 'inspection-2026Q3-v2.csv');
    expect(third.updated).toBe(1);
    expect(third.conflicts).toHaveLength(1);
    expect(third.conflicts[0]).toContain('第5行');
    expect(third.conflicts[0]).toContain('未覆盖');
    expect(third.unchanged).toBe(first.entries - 2);
    const after = await findings();
    expect(after.find((f) => f.rowNo === 1)).toMatchObject({ status: 'open', problemCodes: 'UPDATE_LATE' });
    expect(after.find((f) => f.id === dispatched.id)).toMatchObject({ status: dispatched.status, problemsRaw: dispatched.problemsRaw });
    expect(after).toHaveLength(before.length);
  });

  it('reads an XLSX with a title, a 填报单位 block, a merged header, merged unit cells and blank rows (S0 shape)', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('检查结果信息表');
    sheet.addRow(['2026年第三季度政务新媒体检查结果信息表']);
    sheet.mergeCells('A1:H1');
    sheet.addRow(['填报单位：东岚区文化和旅游局', '', '', '填表人：某某', '', '联系电话：0123-6800000']);
    sheet.addRow(['序号', '新媒体类型', '新媒体名称', '开设单位', '是否合格', '存在的突出问题（仅不合格的填写）', '', '整改情况']);
    sheet.mergeCells('F3:G3');
    sheet.addRow([1, '微信服务号', '文旅东岚', '东岚区文化和旅游局', '合格', '', '', '']);
    sheet.addRow([2, '抖音', '文旅 东岚', null, '不合格', '更新不及时，原创内容较少', '', '加强更新']);
    sheet.addRow([]);
    sheet.addRow([3, '小红书', '文旅东岚', null, '不合格', '未补报进报送系统', '', '']);
    sheet.mergeCells('D4:D7');
    const buffer = Buffer.from(await book.xlsx.writeBuffer());
    const summary = await importBuffer(buffer, '检查结果信息表.xlsx');
    expect(summary.rowsRead).toBe(3);
    expect(summary.failing).toBe(2);
    expect(summary.created).toEqual({ exact: 2, normalized: 1, fuzzy: 0 });
    const stored = await findings();
    expect(stored.map((f) => f.unitNameRaw)).toEqual(['东岚区文化和旅游局', '东岚区文化和旅游局', '东岚区文化和旅游局']);
    expect(stored.find((f) => f.rowNo === 2)).toMatchObject({ accountId: await accountId('文旅东岚', 'douyin'), problemCodes: 'UPDATE_LATE,LOW_ORIGINAL' });
  });

  it('reads the S2 shape and a failure-only list (S4: every row failed)', async () => {
    const s2 = csv([
      ['序号', '政务新媒体类型', '账号', '主管/主办单位', '合格情况', '存在问题'],
      ['1', '微信公众号', '东岚审计', '东岚区审计局', '不合格', '未及时注销'],
      ['2', '新浪微博', '东岚发布', '区政府办', '合格', ''],
    ]);
    const summary = await importBuffer(s2, 's2.csv');
    expect(summary.created.exact).toBe(2);
    expect(summary.failing).toBe(1);

    const s4 = csv([
      ['2026年8月政务新媒体抽查不合格账号名单'],
      ['序号', '账号名称', '账号类型', '开设单位', '主要问题'],
      ['1', '文旅东岚', '抖音、快手', '东岚区文化和旅游局', '断更，原创内容少'],
    ]);
    const failures = await importBuffer(s4, 's4.csv', '2026年8月抽查');
    expect(failures.round.period).toBe('2026-08');
    expect(failures.entries).toBe(2);
    expect(failures.failing).toBe(2);
    expect(failures.passing).toBe(0);
    const round = await db.dataSource.getRepository(InspectionRoundEntity).findOneByOrFail({ title: '2026年8月抽查' });
    const stored = await db.dataSource.getRepository(FindingEntity).find({ where: { roundId: round.id } });
    expect(stored.map((f) => [Boolean(f.qualified), f.status, f.problemCodes])).toEqual([
      [false, 'open', 'UPDATE_GAPS,LOW_ORIGINAL'],
      [false, 'open', 'UPDATE_GAPS,LOW_ORIGINAL'],
    ]);
  });

  it('refuses a file with a missing column or bad rows with every problem by row, and stores nothing', async () => {
    const noUnit = csv(GRID.map((r) => r.filter((_, i) => i !== col('开设单位'))));
    await expect(readInspectionFile(noUnit, 'x.csv')).rejects.toThrow(InspectionImportError);
    const error = (await readInspectionFile(noUnit, 'x.csv').catch((e: unknown) => e)) as InspectionImportError;
    expect(error.problems.join('\n')).toContain('缺少必填列「开设单位」');

    const badRows = csv(GRID.map((r) => (r[0] === '3' ? r.map((c, i) => (i === col('是否合格') ? '待定' : c)) : r[0] === '9' ? r.map((c, i) => (i === col('账号名称') ? '' : c)) : r)));
    const bad = (await readInspectionFile(badRows, 'x.csv').catch((e: unknown) => e)) as InspectionImportError;
    expect(bad.problems).toEqual([expect.stringMatching(/^第4行“是否合格”：无法识别“待定”/), expect.stringMatching(/^第10行“账号名称”：不能为空/)]);

    await expect(readInspectionFile(csv([HEADER]), 'x.csv')).rejects.toThrow(/没有任何账号数据行/);
    await expect(readInspectionFile(Buffer.from('PK\u0003\u0004garbage'), 'x.xlsx')).rejects.toThrow(InspectionImportError);

    // the CLI says the same and nothing is stored
    const print: string[] = [];
    const cli = (args: string[]) =>
      importInspectionCommand(db.dataSource, args, { actor: 'test', clock, vocabulary, print: (t) => print.push(t) });
    const file = join(FIXTURES, 'inspection-2026Q3.csv');
    await expect(cli([file, '--round', '专项检查'])).rejects.toThrow(/无法从轮次名称“专项检查”看出检查期间/);
    expect(await db.dataSource.getRepository(InspectionRoundEntity).count()).toBe(0);
    expect(await db.dataSource.getRepository(FindingEntity).count()).toBe(0);
    await cli([file, '--round', '专项检查', '--period', '2026Q3', '--dry-run']);
    expect(print.join('\n')).toContain('未保存任何内容');
    expect(await db.dataSource.getRepository(InspectionRoundEntity).count()).toBe(0);
  });

  it('queues what it cannot match with confidence; the queue is decided once, by CLI or service, with an audit row', async () => {
    const rows = csv([
      ['序号', '账号名称', '账号类型', '开设单位', '是否合格', '主要问题'],
      ['1', '东岚发布平台', '微信服务号', '东岚区人民政府办公室', '不合格', '更新不及时'],
      ['2', '岚城夜宵美食地图', '抖音', '东岚区商务局', '不合格', '私自开设'],
      ['3', '东岚未知', '抖音', '澜川某公司', '合格', ''],
      ['4', '东岚发布', '百度贴吧号', '东岚区人民政府办公室', '合格', ''],
    ]);
    const summary = await importBuffer(rows, 'queue.csv');
    expect(summary.queued).toEqual({ fuzzy: 1, unregistered: 1, unknownUnit: 1, unknownType: 1 });
    const queue = await db.dataSource.getRepository(InspectionQueueEntity).find({ order: { id: 'ASC' } });
    const [fuzzy, unregistered, unknownUnit, unknownType] = queue;
    const office = await accountId('东岚发布', 'wechat', '服务号');
    expect(JSON.parse(fuzzy.candidates!)[0].accountId).toBe(office);
    expect(JSON.parse(unknownType.candidates!).map((c: { accountId: number }) => c.accountId)).toContain(office);

    // the same file again: nothing new in the queue
    const again = await importBuffer(rows, 'queue.csv');
    expect(again.queued).toEqual({});
    expect(again.stillQueued).toBe(4);

    const print: string[] = [];
    const cli = (args: string[]) => inspectionQueueCommand(db.dataSource, args, { actor: 'cli:tester', clock, vocabulary, print: (t) => print.push(t) });
    await cli(['list']);
    expect(print.join('\n')).toContain(`#${fuzzy.id}`);
    expect(print.join('\n')).toContain(`候选 account ${office}`);

    await cli(['resolve', String(fuzzy.id), String(office)]);
    const manual = await db.dataSource.getRepository(FindingEntity).findOneByOrFail({ sourceKey: `account:${office}` });
    expect(manual).toMatchObject({ matchConfidence: 'manual', status: 'open', problemCodes: 'UPDATE_LATE' });
    await expect(cli(['resolve', String(fuzzy.id), String(office)])).rejects.toThrow(/已由 cli:tester 处理过/);

    await expect(cli(['unregistered', String(unknownUnit.id)])).rejects.toThrow(CliError);
    await cli(['unregistered', String(unregistered.id)]);
    const unit = await db.dataSource.getRepository(UnitEntity).findOneByOrFail({ id: unregistered.unitId! });
    expect(unit.name).toBe('东岚区商务局');
    const unfiled = await db.dataSource.getRepository(FindingEntity).findOneByOrFail({ unitId: unit.id, accountId: IsNull() });
    expect(unfiled).toMatchObject({ matchConfidence: 'none', status: 'open' });
    expect(unfiled.problemCodes!.split(',')).toContain('UNREGISTERED_ACCOUNT');
    await cli(['unregistered', String(unknownUnit.id), '--unit', '区商务局']);
    await cli(['dismiss', String(unknownType.id), '表格写错']);

    const decided = await db.dataSource.getRepository(InspectionQueueEntity).find({ order: { id: 'ASC' } });
    expect(decided.map((q) => q.status)).toEqual(['resolved', 'resolved', 'resolved', 'dismissed']);
    const audits = await db.dataSource.getRepository(AuditEntity).find({ where: { actor: 'cli:tester' }, order: { id: 'ASC' } });
    expect(audits.map((a) => a.action)).toEqual([
      'inspection.queue.resolve',
      'inspection.queue.unregistered',
      'inspection.queue.unregistered',
      'inspection.queue.dismiss',
    ]);

    // a re-import after the decisions: nothing is queued or created again
    const later = await importBuffer(rows, 'queue.csv');
    expect(later.queued).toEqual({});
    expect(later.stillQueued).toBe(0);
    expect(later.unchanged).toBe(4);
  });

  it('two admins deciding one entry at the same time: one wins, the other is told who decided', async () => {
    await importBuffer(csv([['序号', '账号名称', '账号类型', '开设单位', '是否合格', '主要问题'], ['1', '岚城夜宵美食地图', '抖音', '东岚区商务局', '不合格', '私自开设']]), 'q.csv');
    const entry = await db.dataSource.getRepository(InspectionQueueEntity).findOneByOrFail({ rowNo: 1 });
    const results = await Promise.all([
      db.dataSource.transaction((m) => markUnregistered(m, { entryId: entry.id, actor: 'songzhiwei', now: clock.now(), vocabulary })),
      db.dataSource.transaction((m) => dismissQueueEntry(m, { entryId: entry.id, actor: 'dujiayan', now: clock.now() })),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok)!;
    expect(loser).toMatchObject({ ok: false, code: 'already-decided' });
    if (!loser.ok && loser.code === 'already-decided') expect(['songzhiwei', 'dujiayan']).toContain(loser.entry.resolvedBy);
    const late = await db.dataSource.transaction((m) => resolveQueueEntry(m, { entryId: entry.id, accountId: 1, actor: 'x', now: clock.now() }));
    expect(late).toMatchObject({ ok: false, code: 'already-decided' });
    expect(await db.dataSource.getRepository(AuditEntity).count({ where: { subject: `queue:${entry.id}` } })).toBe(1);
  });

  // SQLite has one connection: transactions cannot interleave there, so this interleaving is MySQL's alone
  (kind === 'mysql' ? it : it.skip)('a decision whose transaction read the entry before another admin committed is told who decided', async () => {
    await importBuffer(csv([['序号', '账号名称', '账号类型', '开设单位', '是否合格', '主要问题'], ['1', '岚城夜宵美食地图', '抖音', '东岚区商务局', '不合格', '私自开设']]), 'q.csv');
    const entry = await db.dataSource.getRepository(InspectionQueueEntity).findOneByOrFail({ rowNo: 1 });
    const late = db.dataSource.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    try {
      // the late admin's transaction sees the entry pending (its snapshot starts here) …
      expect((await late.manager.getRepository(InspectionQueueEntity).findOneByOrFail({ id: entry.id })).status).toBe('pending');
      // … while the first admin decides and commits
      await db.dataSource.transaction((m) => dismissQueueEntry(m, { entryId: entry.id, actor: 'songzhiwei', now: clock.now() }));
      const result = await markUnregistered(late.manager, { entryId: entry.id, actor: 'dujiayan', now: clock.now(), vocabulary });
      expect(result).toMatchObject({ ok: false, code: 'already-decided', entry: { resolvedBy: 'songzhiwei', status: 'dismissed' } });
      await late.commitTransaction();
    } finally {
      if (late.isTransactionActive) await late.rollbackTransaction();
      await late.release();
    }
    expect(await db.dataSource.getRepository(FindingEntity).count()).toBe(0);
  });

  it('marks a failure as a repeat when the account failed the previous round with a problem in common', async () => {
    const name = DATA.find((r) => r[col('账号类型')] === '抖音、快手')!;
    await importBuffer(
      csv([
        ['序号', '账号名称', '账号类型', '开设单位', '主要问题'],
        ['1', name[col('账号名称')], '抖音', name[col('开设单位')], '更新频率较低'],
        ['2', name[col('账号名称')], '快手', name[col('开设单位')], '错别字'],
      ]),
      'q2.csv',
      '2026年第二季度',
    );
    await importBuffer(INSPECTION, 'inspection-2026Q3.csv');
    const round = await db.dataSource.getRepository(InspectionRoundEntity).findOneByOrFail({ title: '2026年第三季度' });
    const q3 = await db.dataSource.getRepository(FindingEntity).find({ where: { roundId: round.id } });
    const repeats = q3.filter((f) => f.isRepeat);
    expect(repeats.map((f) => f.platformTypeRaw)).toEqual(['抖音']);
  });
});
