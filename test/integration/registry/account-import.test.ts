import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { AccountEntity, type AccountRow } from '../../../src/domain/registry/account-entity';
import {
  AccountImportError,
  applyAccounts,
  parseAccounts,
  parseDate,
  parseTimestamp,
  type AccountImportRow,
} from '../../../src/domain/registry/account-import';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import { parseRoster, readTable, type RowError } from '../../../src/domain/roster/roster-file';
import { applyRoster } from '../../../src/domain/roster/roster-import';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const FIXTURES = join(__dirname, '../../fixtures');
const ACCOUNTS = readFileSync(join(FIXTURES, 'accounts.csv'));
const UNITS = readFileSync(join(FIXTURES, 'units.csv'));
/** accounts.csv as a grid of cells (no commas or quotes inside its cells) */
const GRID: string[][] = ACCOUNTS.toString('utf8')
  .replace(/^\uFEFF/, '')
  .split('\r\n')
  .filter((line) => line !== '')
  .map((line) => line.split(','));
const HEADER = GRID[0];
const NOW = new Date('2026-11-20T01:00:00Z');

function toCsv(grid: string[][]): Buffer {
  return Buffer.from('\uFEFF' + grid.map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8');
}

/** The fixture grid with cells of the rows with these 序号 replaced, by header name. */
function withCells(changes: Record<string, Record<string, string>>): string[][] {
  return GRID.map((row) => {
    const change = changes[row[0]];
    if (!change) return row;
    const copy = [...row];
    for (const [header, value] of Object.entries(change)) copy[HEADER.indexOf(header)] = value;
    return copy;
  });
}

async function parseBuffer(buffer: Buffer, fileName = 'accounts.csv'): Promise<ReturnType<typeof parseAccounts>> {
  return parseAccounts(await readTable(buffer, fileName));
}

function rowsOf(result: ReturnType<typeof parseAccounts>): AccountImportRow[] {
  if ('errors' in result) throw new Error(`unexpected errors:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.rows;
}

function errorsOf(result: ReturnType<typeof parseAccounts>): RowError[] {
  if (!('errors' in result)) throw new Error('expected errors');
  return result.errors;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe('parseAccounts (no database)', () => {
  it('reads all 121 rows of the fixture with spreadsheet row numbers', async () => {
    const rows = rowsOf(await parseBuffer(ACCOUNTS));
    expect(rows).toHaveLength(121);
    expect(rows[0]).toMatchObject({
      rowNumber: 2,
      serviceCode: '98decda5972b',
      name: '东岚发布',
      platformType: 'wechat',
      platformTypeRaw: '微信',
      platformSubtype: '服务号',
      ownerUnitName: '东岚区人民政府办公室',
      openedOn: '2014-03-18',
      runStatus: 'active',
      runStatusRaw: '正常运行',
      filingStatus: 'approved',
      basicFunctions: '发布、传播、互动、引导、办事',
      verification: '已认证',
      operationMode: '购买服务',
      inNationalSystem: true,
      followers: 186420,
      submittedAt: new Date('2019-07-16T02:07:00Z'),
    });
    expect(rows.map((r) => r.rowNumber)).toEqual(Array.from({ length: 121 }, (_, i) => i + 2));
  });

  it('lists every bad row of a bad file, by row number', async () => {
    const grid = withCells({
      '10': { 新媒体类型: '微信号码' },
      '20': { 开设时间: '2019-02-30' },
      '30': { 运行状态: '暂停' },
      '40': { 具体负责人手机号: '1.77E+10' },
      '50': { 基本功能: '发布、点赞' },
      '60': { 账号名称: '' },
    });
    grid.push([...GRID[2]]); // 序号 2 again
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    const messages = errors.map((e) => e.message);
    expect(messages).toEqual([
      '第11行“新媒体类型”：无法识别“微信号码”，可填写：微博、微信、APP、今日头条号、小程序、抖音、快手、企鹅号、其他',
      '第21行“开设时间”：无法识别日期“2019-02-30”，请写成 2026-09-05、2026/9/5 或 2026年9月5日',
      '第31行“运行状态”：无法识别“暂停”，可填写：正常运行、已关停、已注销',
      expect.stringMatching(/^第41行“具体负责人手机号”：“1\.77E\+10”被 Excel 显示成了科学计数法/),
      expect.stringMatching(/^第51行“基本功能”：无法识别“点赞”/),
      '第61行“账号名称”：不能为空，例如 东岚发布',
      expect.stringMatching(/^第123行“账号名称”：“东岚发布”（微博\/新浪微博，东岚区人民政府办公室）与第3行重复/),
    ]);
    expect(errors.map((e) => e.rowNumber)).toEqual([11, 21, 31, 41, 51, 61, 123]);
  });

  it('names the missing required columns', async () => {
    const grid = GRID.map((row) => row.filter((_, i) => !['填报单位', '运行状态'].includes(HEADER[i])));
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    expect(errors.map((e) => e.column)).toEqual(['填报单位', '运行状态']);
    expect(errors[0].message).toMatch(/^缺少必填列「填报单位」/);
  });

  it('reads an XLSX with the columns in another order, a title row, short unit names and other date spellings', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('台账');
    sheet.addRow(['东岚区政务新媒体账号台账（2026年11月）']);
    const columns = ['开设时间', '账号名称', '运行平台', '平台/账号细分', '主办单位', '填报单位', '运行状态', '粉丝量', '提交时间', '关停/注销时间'];
    sheet.addRow(columns);
    sheet.addRow([46270, '东岚发改', '公众号', '订阅号', '区发改局', '区发改局', '正常运营', '1.2万', '2026/9/8 9:05', '']);
    sheet.addRow(['2026/9/5', '东岚发改', '视频号', '', '区发改局', '区发改局', '停止运营', '12,800', 46273.5, '2026年10月1日']);
    sheet.addRow(['2026年9月5日', '东岚发改', '新浪微博', '', '东岚区发展和改革局', '东岚区发展和改革局', '已注销', '', '', '20261001']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const rows = rowsOf(await parseBuffer(buffer, 'accounts.xlsx'));
    expect(rows.map((r) => [r.rowNumber, r.openedOn, r.platformType, r.platformSubtype, r.runStatus, r.followers])).toEqual([
      [3, '2026-09-05', 'wechat', '订阅号', 'active', 12000],
      [4, '2026-09-05', 'other', '视频号', 'suspended', 12800],
      [5, '2026-09-05', 'weibo', '新浪微博', 'cancelled', null],
    ]);
    expect(rows[0].submittedAt).toEqual(new Date('2026-09-08T01:05:00Z'));
    expect(rows[1].submittedAt).toEqual(new Date('2026-09-08T04:00:00Z'));
    expect(rows.map((r) => r.closedOn)).toEqual([null, '2026-10-01', '2026-10-01']);
    expect(rows[0].filingStatus).toBeUndefined(); // no 备案状态 column: approved for a new account
    expect(rows[0].remarks).toBeUndefined(); // no 备注 column: kept as stored on re-import
  });

  it('parses dates and Beijing timestamps', () => {
    expect(parseDate('2026-09-05')).toBe('2026-09-05');
    expect(parseDate('2026/9/5')).toBe('2026-09-05');
    expect(parseDate('2026年9月5日')).toBe('2026-09-05');
    expect(parseDate('46270')).toBe('2026-09-05');
    expect(parseDate('2026-09-05 00:00')).toBe('2026-09-05');
    expect(parseDate('2026-02-29')).toBeNull();
    expect(parseDate('9月5日')).toBeNull();
    expect(parseTimestamp('2026-11-18 10:42')).toEqual(new Date('2026-11-18T02:42:00Z'));
    expect(parseTimestamp('2026-11-18 00:30')).toEqual(new Date('2026-11-17T16:30:00Z'));
    expect(parseTimestamp('2026年11月18日 10:42:05')).toEqual(new Date('2026-11-18T02:42:05Z'));
    expect(parseTimestamp('2026-11-18 24:00')).toBeNull();
  });
});

describe.each(testDatabaseKinds())('applyAccounts on %s', (kind) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const roster = parseRoster(await readTable(UNITS, 'units.csv'));
    if ('errors' in roster) throw new Error('units.csv does not parse');
    await db.dataSource.transaction((m) => applyRoster(m, roster.rows, { actor: 'test', now: NOW, source: 'units.csv' }));
  });

  afterAll(async () => {
    await db?.destroy();
  });

  const importBuffer = async (buffer: Buffer) => {
    const rows = rowsOf(await parseBuffer(buffer));
    return db.dataSource.transaction((m) => applyAccounts(m, rows, { now: NOW, actor: 'cli:test', source: 'accounts.csv' }));
  };
  const accounts = () => db.dataSource.getRepository(AccountEntity).find({ order: { id: 'ASC' } });

  it('rejects rows whose 填报单位 is not in the roster, listing them all and writing nothing', async () => {
    const grid = withCells({ '5': { 填报单位: '东岚区某某局' }, '90': { 填报单位: '桂塘乡' } });
    const rows = rowsOf(await parseBuffer(toCsv(grid)));
    const attempt = db.dataSource.transaction((m) => applyAccounts(m, rows, { now: NOW, actor: 'cli:test' }));
    await expect(attempt).rejects.toBeInstanceOf(AccountImportError);
    const error = (await attempt.catch((e: unknown) => e)) as AccountImportError;
    expect(error.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^第6行“填报单位”：单位名册中没有“东岚区某某局”/),
      expect.stringMatching(/^第91行“填报单位”：单位名册中没有“桂塘乡”/),
    ]);
    expect(await accounts()).toHaveLength(0);
    expect(await db.dataSource.getRepository(AuditEntity).count({ where: { action: 'accounts.import' } })).toBe(0);
  });

  it('imports the 121 accounts of the fixture with the counts of the README', async () => {
    expect(await importBuffer(ACCOUNTS)).toEqual({ created: 121, updated: 0, unchanged: 0 });
    const all = await accounts();
    expect(all).toHaveLength(121);
    expect(countBy(all, (a) => a.runStatusRaw)).toEqual({ 正常运行: 105, 已关停: 8, 已注销: 8 });
    expect(countBy(all, (a) => a.runStatus)).toEqual({ active: 105, suspended: 8, cancelled: 8 });
    expect(countBy(all, (a) => a.platformTypeRaw)).toEqual({
      微信: 50,
      抖音: 27,
      微博: 10,
      今日头条号: 9,
      其他: 9,
      快手: 8,
      小程序: 5,
      企鹅号: 2,
      APP: 1,
    });
    expect(countBy(all, (a) => a.platformType)).toEqual({
      wechat: 50,
      douyin: 27,
      weibo: 10,
      toutiao: 9,
      other: 9,
      kuaishou: 8,
      miniProgram: 5,
      qqPenguin: 2,
      app: 1,
    });
    expect(countBy(all, (a) => a.filingStatus)).toEqual({ approved: 119, pending: 1, rejected: 1 });

    const units = await db.dataSource.getRepository(UnitEntity).find();
    const unitId = (name: string) => units.find((u) => u.name === name)!.id;
    // 事业单位 not in the roster: owner kept by name, filed by the 代管部门 (rows 21, 24, 29, 39, 42, 48, 54)
    const outside = all.filter((a) => a.ownerUnitId === null);
    expect(outside.map((a) => a.ownerUnitName)).toEqual([
      '东岚区婚姻登记中心',
      '东岚区法律援助中心',
      '东岚区公共就业和人才服务中心',
      '东岚区河长制办公室',
      '东岚区农业技术推广中心',
      '东岚区图书馆',
      '东岚区疾病预防控制中心',
    ]);
    const marriage = all.find((a) => a.name === '东岚婚姻登记')!;
    expect(marriage.filerUnitId).toBe(unitId('东岚区民政局'));
    const byCode = (code: string) => all.find((a) => a.serviceCode === code) as AccountRow;
    expect(byCode('98decda5972b')).toMatchObject({
      name: '东岚发布',
      platformSubtype: '服务号',
      ownerUnitId: unitId('东岚区人民政府办公室'),
      filerUnitId: unitId('东岚区人民政府办公室'),
      openedOn: '2014-03-18',
      inNationalSystem: true,
      followers: 186420,
      managerMobile: '13700005332',
      rev: 1,
    });
    expect(byCode('82ec1111b39f')).toMatchObject({ runStatus: 'suspended', closedOn: '2026-04-30', platformSubtype: '百家号' });
    expect(byCode('90a6ba685832')).toMatchObject({ inNationalSystem: false, platformType: 'other', platformSubtype: '小红书' });
    expect(byCode('8c0393baf87e')).toMatchObject({ filingStatus: 'pending', verification: '未认证', followers: 0 });
    const audit = await db.dataSource.getRepository(AuditEntity).findOneOrFail({ where: { action: 'accounts.import' } });
    expect(audit).toMatchObject({ actor: 'cli:test', subject: 'accounts.csv' });
    expect(JSON.parse(audit.detail!)).toEqual({ created: 121, updated: 0, unchanged: 0, rows: 121 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await accounts();
    expect(await importBuffer(ACCOUNTS)).toEqual({ created: 0, updated: 0, unchanged: 121 });
    expect(await accounts()).toEqual(before);
  });

  it('updates in place by the natural key, also without 服务标识码, and bumps rev', async () => {
    const grid = withCells({ '10': { 粉丝量: '6500', 备注: '粉丝量已更新' } }).map((row) =>
      row.filter((_, i) => HEADER[i] !== '服务标识码'),
    );
    expect(await importBuffer(toCsv(grid))).toEqual({ created: 0, updated: 1, unchanged: 120 });
    const changed = (await accounts()).find((a) => a.serviceCode === '63cac5b8bd8a')!;
    expect(changed).toMatchObject({ followers: 6500, remarks: '粉丝量已更新', rev: 2 });
    expect(changed.updatedAt.getTime()).toBe(NOW.getTime());
    expect(await accounts()).toHaveLength(121);
  });
});
