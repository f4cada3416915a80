/**
 * Every export generated from the fixture district (roster and registry through the real importers, the 2026 Q3
 * round seeded with findings and 整改情况 reports), then opened again with exceljs and read cell by cell: title,
 * header block, headers and their order, rows against the fixture files, date formats, Chinese text, print setup.
 */
import ExcelJS from 'exceljs';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { parseAccounts } from '../../../src/domain/registry/account-import';
import { AccountEntity } from '../../../src/domain/registry/account-entity';
import { FilingEntity } from '../../../src/domain/registry/filing-entity';
import { readTable } from '../../../src/domain/roster/roster-file';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import { CLEANUP_COLUMNS } from '../../../src/exports/cleanup-export';
import { FILING_FORM_LABELS } from '../../../src/exports/filing-form-export';
import { FAILURE_COLUMNS, RESULT_COLUMNS } from '../../../src/exports/inspection-exports';
import { ExportError } from '../../../src/exports/export-selectors';
import { generateExport, type ExportRequest } from '../../../src/exports/export-service';
import { ManualClock } from '../../../src/shared/clock';
import { formatDateCn } from '../../../src/shared/shanghai-time';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';
import { fixtureRecords, ROUND_TITLE, seedInspection, seedRegistry, type SeededInspection } from './export-fixture';

/** 2026-11-23 10:00 in Beijing */
const T0 = new Date('2026-11-23T02:00:00Z');

async function open(content: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(content as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  expect(workbook.worksheets).toHaveLength(1);
  return workbook.worksheets[0];
}

const text = (sheet: ExcelJS.Worksheet, row: number, col: number): string => {
  const v = sheet.getCell(row, col).value;
  return v === null || v === undefined ? '' : String(v);
};
const rowTexts = (sheet: ExcelJS.Worksheet, row: number, width: number): string[] => Array.from({ length: width }, (_, i) => text(sheet, row, i + 1));
const lastColumn = (n: number) => String.fromCharCode(64 + n);

/** The layout every list table shares: merged title, bold bordered frozen header, A4 fitted to width. */
function expectTableLayout(sheet: ExcelJS.Worksheet, title: string, headerRow: number, headers: string[]): void {
  const width = headers.length;
  expect(sheet.model.merges).toContain(`A1:${lastColumn(width)}1`);
  expect(text(sheet, 1, 1)).toBe(title);
  expect(sheet.getCell(1, 1).font?.bold).toBe(true);
  expect(rowTexts(sheet, headerRow, width)).toEqual(headers);
  for (let c = 1; c <= width; c++) {
    const cell = sheet.getCell(headerRow, c);
    expect(cell.font?.bold).toBe(true);
    expect(cell.border?.top?.style).toBe('thin');
    expect(cell.border?.bottom?.style).toBe('thin');
    expect(sheet.getColumn(c).width).toBeGreaterThan(4);
  }
  expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: headerRow });
  expect(sheet.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${headerRow}:${headerRow}` });
  expect(sheet.getCell(headerRow + 1, 2).alignment?.wrapText).toBe(true);
}

describe.each(testDatabaseKinds())('exports of the office tables on %s', (kind) => {
  let db: TestDatabase;
  let seeded: SeededInspection;
  let accountsCsv: Array<Record<string, string>>;
  let unitsCsv: Array<Record<string, string>>;
  let inspectionCsv: Array<Record<string, string>>;
  const clock = new ManualClock(T0);

  const run = (request: ExportRequest, includePhones = true) =>
    db.dataSource.transaction((m) => generateExport(m, request, { actor: 'luojiahe', actorName: '罗嘉禾', via: 'chat', now: clock.now(), includePhones }));
  const failure = async (request: ExportRequest): Promise<ExportError> => {
    const error = await run(request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExportError);
    return error as ExportError;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await seedRegistry(db.dataSource, clock);
    seeded = await seedInspection(db.dataSource, T0);
    accountsCsv = await fixtureRecords('accounts.csv');
    unitsCsv = await fixtureRecords('units.csv');
    inspectionCsv = await fixtureRecords('inspection-2026Q3.csv');
  });
  afterAll(async () => db.destroy());

  it('台账: the columns of accounts.csv in their order, every account as the fixture has it, importable again', async () => {
    // one account was filed through the bot: its filing's times fill 提交时间 / 审核结束时间 (Beijing time)
    const fixture76 = accountsCsv.find((r) => r['序号'] === '76')!;
    const account76 = (await db.dataSource.getRepository(AccountEntity).findOneByOrFail({ serviceCode: fixture76['服务标识码'] }));
    await db.dataSource.getRepository(FilingEntity).insert({
      filingNo: 'BA2026-000076', type: 'open', accountId: account76.id, filerUnitId: account76.filerUnitId, filerUserId: 'test', filerName: '测试',
      filerContactId: null, eventOn: account76.openedOn, reason: null, changes: null, proposal: null, duplicateJustification: null,
      submittedAt: new Date('2026-11-18T02:42:00Z'), reviewStatus: 'pending', reviewedAt: null, reviewerUserId: null, reviewerName: null,
      rejectionReason: null, dueOn: '2026-11-19', dueProvisional: false, isLate: false, pendingKey: null, rev: 1, createdAt: T0,
    });
    const file = await run({ table: '台账' });
    expect(file.fileName).toBe('政务新媒体账号台账-20261123.xlsx');
    const sheet = await open(file.content);
    const headers = Object.keys(accountsCsv[0]);
    expectTableLayout(sheet, '政务新媒体账号台账', 3, headers);
    expect(sheet.pageSetup.orientation).toBe('landscape');
    expect(text(sheet, 2, 1)).toContain(`共${accountsCsv.length}个账号`);
    expect(file.rows).toBe(accountsCsv.length);
    for (const [i, record] of accountsCsv.entries()) {
      const cells = rowTexts(sheet, 4 + i, headers.length);
      headers.forEach((header, c) => {
        if (header === '提交时间' || header === '审核结束时间') return;
        expect({ row: record['序号'], header, value: cells[c] }).toEqual({ row: record['序号'], header, value: record[header] });
      });
      // imported accounts keep no filing times; the one filed through the bot shows its own
      expect(cells[headers.indexOf('提交时间')]).toBe(record['序号'] === '76' ? '2026-11-18 10:42' : '');
    }
    expect(typeof sheet.getCell(4, headers.indexOf('粉丝量') + 1).value).toBe('number');
    expect(sheet.getCell(4, headers.indexOf('具体负责人手机号') + 1).numFmt).toBe('@');

    const reread = parseAccounts(await readTable(file.content, file.fileName));
    expect('rows' in reread && reread.rows.map((r) => r.name)).toEqual(accountsCsv.map((r) => r['账号名称']));
  });

  it('台账 by unit and 运行状态, and with phone numbers masked', async () => {
    const unit = unitsCsv.find((u) => u['单位简称'] === '区文旅局')!;
    const file = await run({ table: 'registry', unit: '区文旅局', status: '正常运行' }, false);
    const expected = accountsCsv.filter((r) => (r['填报单位'] === unit['单位名称'] || r['开办单位'] === unit['单位名称']) && r['运行状态'] === '正常运行');
    expect(expected.length).toBeGreaterThan(1);
    const sheet = await open(file.content);
    const headers = Object.keys(accountsCsv[0]);
    expect(file.rows).toBe(expected.length);
    expect(text(sheet, 2, 1)).toContain(`单位：${unit['单位名称']}`);
    for (const [i, record] of expected.entries()) {
      const cells = rowTexts(sheet, 4 + i, headers.length);
      expect(cells[0]).toBe(String(i + 1));
      expect(cells[headers.indexOf('账号名称')]).toBe(record['账号名称']);
      const mobile = record['具体负责人手机号'];
      expect(cells[headers.indexOf('具体负责人手机号')]).toBe(mobile ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : '');
    }
    expect(file.containsPhones).toBe(false);
  });

  it('检查结果信息表 (S0) of the whole district: header block from the office liaison, one row per inspected account, 整改情况 by the rule', async () => {
    const file = await run({ table: '检查结果', round: '2026年第三季度' });
    const sheet = await open(file.content);
    const headers = RESULT_COLUMNS.map((c) => c.header);
    expect(headers).toEqual(['序号', '新媒体类型', '新媒体名称', '开设单位', '是否合格', '存在的突出问题（仅不合格的填写）', '整改情况']);
    expectTableLayout(sheet, '2026年第三季度政务新媒体检查结果信息表', 3, headers);
    const office = unitsCsv.find((u) => u['系统角色'].includes('组织单位'))!;
    expect(text(sheet, 2, 1)).toBe(`填报单位：${office['单位名称']}`);
    expect(text(sheet, 2, 4)).toBe(`填表人：${office['联络员姓名']}`);
    expect(text(sheet, 2, 6)).toBe(`联系电话：${office['联络员手机号']}`);
    expect(sheet.model.merges).toEqual(expect.arrayContaining(['A2:C2', 'D2:E2', 'F2:G2']));

    const ordered = [...seeded.findings].sort((a, b) => (a.rowNo ?? 0) - (b.rowNo ?? 0) || a.id - b.id);
    expect(file.rows).toBe(ordered.length);
    // one row of the inspection table named two accounts: one line each
    expect(ordered.length).toBe(inspectionCsv.length + [...seeded.accountsByRow.values()].filter((a) => a.length > 1).length);
    const s0Type: Record<string, string> = { APP: '移动客户端（APP）' };
    for (const [i, finding] of ordered.entries()) {
      const source = inspectionCsv.find((r) => Number(r['序号']) === finding.rowNo)!;
      const account = seeded.accountsByRow.get(finding.rowNo!)!.find((a) => a.id === finding.accountId)!;
      const registry = accountsCsv.find((r) => r['服务标识码'] === account.serviceCode)!;
      const failed = source['是否合格'] === '不合格';
      const typeLabel = s0Type[registry['新媒体类型']] ?? registry['新媒体类型'];
      expect(rowTexts(sheet, 4 + i, 7)).toEqual([
        String(i + 1),
        registry['新媒体类型'] === '其他' ? `其他（${registry['平台/账号细分']}）` : typeLabel,
        registry['账号名称'],
        registry['开办单位'],
        source['是否合格'],
        failed ? source['主要问题'] : '',
        failed ? seeded.expectedRectification.get(finding.id)! : '',
      ]);
    }
    // the rule of the 整改情况 column is exercised: accepted wins, a pending one counts, a returned one never
    const shown = ordered.map((f) => seeded.expectedRectification.get(f.id)).filter(Boolean);
    expect(shown.length).toBe(new Set(seeded.reports.filter((r) => r.result !== 'returned').map((r) => r.findingId)).size);
  });

  it('检查结果信息表 of one unit: its liaison in the header block, only its findings', async () => {
    const unit = unitsCsv.find((u) => u['单位简称'] === '区文旅局')!;
    const file = await run({ table: 'results', unit: '区文旅局' });
    const sheet = await open(file.content);
    expect(text(sheet, 2, 1)).toBe(`填报单位：${unit['单位名称']}`);
    expect(text(sheet, 2, 4)).toBe(`填表人：${unit['联络员姓名']}`);
    expect(text(sheet, 2, 6)).toBe(`联系电话：${unit['联络员手机号']}`);
    const unitId = (await db.dataSource.getRepository(UnitEntity).findOneByOrFail({ name: unit['单位名称'] })).id;
    const mine = seeded.findings.filter((f) => f.unitId === unitId);
    expect(mine.length).toBeGreaterThan(1);
    expect(file.rows).toBe(mine.length);
    expect(file.fileName).toBe('2026年第三季度政务新媒体检查结果信息表-区文旅局.xlsx');
  });

  it('检查情况信息表 (S4): the failures only, one line per line of the inspection table', async () => {
    const file = await run({ table: '检查情况' });
    const sheet = await open(file.content);
    const headers = FAILURE_COLUMNS.map((c) => c.header);
    expect(headers).toEqual(['序号', '账号名称', '账号类型', '开设单位', '主要问题']);
    expectTableLayout(sheet, '2026年第三季度政务新媒体检查情况信息表', 2, headers);
    const failed = inspectionCsv.filter((r) => r['是否合格'] === '不合格');
    expect(file.rows).toBe(failed.length);
    failed.forEach((r, i) => {
      expect(rowTexts(sheet, 3 + i, 5)).toEqual([String(i + 1), r['账号名称'], r['账号类型'], r['开设单位'], r['主要问题']]);
    });
    expect(text(sheet, 3 + failed.length, 1)).toBe('');
  });

  it('排查及清理整合情况表 (S3): every account, dates as 年月日, 整改措施 from reports, run status and pending filings', async () => {
    const file = await run({ table: '排查表' });
    const sheet = await open(file.content);
    const headers = CLEANUP_COLUMNS.map((c) => c.header);
    expectTableLayout(sheet, '政务新媒体排查及清理整合情况表', 3, headers);
    expect(text(sheet, 2, 1)).toMatch(/^填报单位（盖章）：东岚区人民政府办公室$/);
    expect(file.rows).toBe(accountsCsv.length);
    const accounts = await db.dataSource.getRepository(AccountEntity).find();
    const byName = new Map<string, string[]>();
    for (let r = 4; r < 4 + accountsCsv.length; r++) {
      const cells = rowTexts(sheet, r, headers.length);
      const type = (a: Record<string, string>) => a['新媒体类型'] + (a['平台/账号细分'] ? `（${a['平台/账号细分']}）` : '');
      const record = accountsCsv.find((a) => a['账号名称'] === cells[1] && a['开办单位'] === cells[3] && cells[2] === type(a))!;
      expect(record).toBeDefined();
      expect(cells[7]).toBe(formatDateCn(record['开设时间']));
      expect(cells[7]).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
      expect(cells[9]).toBe(record['运行状态'] === '正常运行' ? '正常运营' : '停止运营');
      byName.set(record['服务标识码'], cells);
    }
    // 整改措施: a report's measure first, then the run status, else 保留
    const measureOf = (accountId: number) => {
      const findingIds = seeded.findings.filter((f) => f.accountId === accountId).map((f) => f.id);
      const report = seeded.reports.filter((r) => findingIds.includes(r.findingId) && r.measure && r.result !== 'returned').sort((a, b) => b.minutesAfter - a.minutesAfter)[0];
      return report?.measure;
    };
    const labels = { keep: '保留', change: '变更', suspend: '关停', cancel: '注销' } as const;
    const seen = new Set<string>();
    for (const account of accounts) {
      const cells = byName.get(account.serviceCode!)!;
      const measure = measureOf(account.id);
      const expected = measure ? labels[measure] : account.runStatus === 'cancelled' ? '注销' : account.runStatus === 'suspended' ? '关停' : '保留';
      expect({ account: account.name, measure: cells[11] }).toEqual({ account: account.name, measure: expected });
      seen.add(expected);
    }
    expect([...seen].sort()).toEqual(['保留', '关停', '变更', '注销'].sort());
  });

  it('备案表: a two-column form of one account, named by name and type, with the seal lines', async () => {
    const record = accountsCsv.find((r) => r['账号名称'] === '东岚发布' && r['新媒体类型'] === '抖音')!;
    const file = await run({ table: '备案表', account: '东岚发布', platform: '抖音' });
    const sheet = await open(file.content);
    expect(sheet.model.merges).toContain('A1:B1');
    expect(text(sheet, 1, 1)).toBe('政务新媒体备案表');
    expect(text(sheet, 2, 1)).toBe(`填表日期：${formatDateCn('2026-11-23')}`);
    const labels = FILING_FORM_LABELS.map((_, i) => text(sheet, 3 + i, 1));
    expect(labels).toEqual([...FILING_FORM_LABELS]);
    const value = (label: string) => text(sheet, 3 + FILING_FORM_LABELS.indexOf(label as (typeof FILING_FORM_LABELS)[number]), 2);
    expect(value('政务新媒体名称')).toBe(record['账号名称']);
    expect(value('新媒体类型')).toBe('抖音');
    expect(value('账号ID')).toBe(record['账号ID']);
    expect(value('主办单位')).toBe(record['开办单位']);
    expect(value('填报单位')).toBe(record['填报单位']);
    expect(value('开设时间')).toBe(formatDateCn(record['开设时间']));
    expect(value('具体负责人及手机号')).toBe(`${record['具体负责人']} ${record['具体负责人手机号']}`);
    const filer = unitsCsv.find((u) => u['单位名称'] === record['填报单位'])!;
    expect(value('分管负责人及电话')).toBe(`${filer['分管负责人']}`);
    const after = 3 + FILING_FORM_LABELS.length;
    expect(text(sheet, after, 1)).toContain('主要负责人（签字）');
    expect(text(sheet, after, 1)).toContain('单位（盖章）');
    expect(sheet.model.merges).toContain(`A${after}:B${after}`);
    expect(sheet.getCell(3, 1).font?.bold).toBe(true);
    expect(sheet.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1 });

    const byId = await run({ table: 'filing-form', account: `#${(await db.dataSource.getRepository(AccountEntity).findOneByOrFail({ serviceCode: record['服务标识码'] })).id}` });
    expect(byId.fileName).toBe(file.fileName);
  });

  it('writes an audit row per export: who, what, when, and whether phone numbers are in it', async () => {
    const before = await db.dataSource.getRepository(AuditEntity).count({ where: { action: 'export.results' } });
    await run({ table: 'results', unit: '区教体局' });
    const rows = await db.dataSource.getRepository(AuditEntity).find({ where: { action: 'export.results' }, order: { id: 'ASC' } });
    expect(rows).toHaveLength(before + 1);
    const last = rows[rows.length - 1];
    expect(last).toMatchObject({ actor: 'luojiahe', subject: `${ROUND_TITLE} 东岚区教育和体育局` });
    expect(new Date(last.at).getTime()).toBe(T0.getTime());
    expect(JSON.parse(last.detail!)).toMatchObject({ via: 'chat', name: '罗嘉禾', containsPhones: true, filters: { 轮次: ROUND_TITLE } });
  });

  it('says what is wrong and what is valid: unknown table, round, unit, status, account; ambiguous name', async () => {
    const table = await failure({ table: '花名册' });
    expect(table.zh).toContain('没有“花名册”这种表格');
    expect(table.zh).toContain('台账');
    expect(table.en).toContain('registry');
    const round = await failure({ table: '检查结果', round: '2025年第一季度' });
    expect(round.zh).toContain('没有“2025年第一季度”这一检查轮次');
    expect(round.zh).toContain(ROUND_TITLE);
    expect(round.en).toContain('2026Q3');
    const unit = await failure({ table: '台账', unit: '区宇航局' });
    expect(unit.zh).toContain('单位名册中没有“区宇航局”');
    expect(unit.en).toContain('No unit "区宇航局"');
    expect((await failure({ table: '台账', status: '休眠' })).zh).toContain('正常运行、已关停、已注销');
    const ambiguous = await failure({ table: '备案表', account: '东岚发布' });
    expect(ambiguous.code).toBe('ambiguousAccount');
    expect(ambiguous.zh).toContain(`名为“东岚发布”的账号有${accountsCsv.filter((r) => r['账号名称'] === '东岚发布').length}个`);
    expect((await failure({ table: '备案表', account: '不存在的号' })).code).toBe('unknownAccount');
    expect((await failure({ table: '备案表', account: '#99999' })).zh).toContain('没有编号为 99999 的账号');
  });
});
