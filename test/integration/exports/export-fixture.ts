/**
 * The fixture district for the export tests: the roster and the registry of test/fixtures through the project's
 * importers, the 2026 Q3 inspection table turned into a round and findings (rows inserted directly, matched to the
 * registry by name, platform and unit the way the importer would), and a few 整改情况 reports covering the rules of
 * the 整改情况 column. Expected values in the tests are read from the same fixture files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { importAccountsCommand } from '../../../src/cli/import-accounts-command';
import { importUnitsCommand } from '../../../src/cli/import-units-command';
import { FindingEntity, InspectionRoundEntity, RectificationEntity, type FindingRow, type RectificationMeasure } from '../../../src/domain/inspection/finding-entity';
import { AccountEntity, type AccountRow } from '../../../src/domain/registry/account-entity';
import { normalizeTerm, resolvePlatform } from '../../../src/domain/registry/vocabulary';
import { readTable } from '../../../src/domain/roster/roster-file';
import type { Clock } from '../../../src/shared/clock';

export const ROOT = resolve(__dirname, '../../..');
export const FIXTURES = resolve(ROOT, 'test/fixtures');
export const ROUND_TITLE = '2026年第三季度';

/** A CSV fixture as header → value records, in file order. */
export async function fixtureRecords(file: string): Promise<Array<Record<string, string>>> {
  const table = await readTable(readFileSync(resolve(FIXTURES, file)), file);
  const [header, ...rows] = table.rows;
  return rows.map((r) => Object.fromEntries(header.cells.map((h, i) => [h.trim(), (r.cells[i] ?? '').trim()])));
}

export interface SeededReport {
  findingId: number;
  description: string;
  result: 'accepted' | 'returned' | null;
  measure: RectificationMeasure | null;
  minutesAfter: number;
}

export interface SeededInspection {
  roundId: number;
  findings: FindingRow[];
  /** inspection row number → the registry accounts it names */
  accountsByRow: Map<number, AccountRow[]>;
  reports: SeededReport[];
  /** finding id → the 整改情况 the export must show, by the rule (accepted, else latest pending, never returned) */
  expectedRectification: Map<number, string>;
}

export async function seedRegistry(dataSource: DataSource, clock: Clock): Promise<void> {
  await importUnitsCommand(dataSource, resolve(FIXTURES, 'units.csv'), { actor: 'export-test', clock });
  await importAccountsCommand(dataSource, resolve(FIXTURES, 'accounts.csv'), { actor: 'export-test', clock });
}

/** The 2026Q3 round and its findings, one per registry account a row names, plus 整改情况 reports. */
export async function seedInspection(dataSource: DataSource, now: Date): Promise<SeededInspection> {
  const accounts = await dataSource.getRepository(AccountEntity).find({ order: { id: 'ASC' } });
  const rows = await fixtureRecords('inspection-2026Q3.csv');
  const round = await dataSource.getRepository(InspectionRoundEntity).insert({
    title: ROUND_TITLE,
    period: '2026Q3',
    monitoringPointOn: '2026-09-15',
    rectificationDeadlineId: null,
    dispatchedAt: null,
    createdBy: 'export-test',
    createdAt: now,
  });
  const roundId = Number(round.identifiers[0].id);
  const accountsByRow = new Map<number, AccountRow[]>();
  const stripDistrict = (name: string) => normalizeTerm(name).replace(/^东岚区/, '东岚');
  for (const row of rows) {
    const rowNo = Number(row['序号']);
    const platforms = row['账号类型'].split('、').map((p) => resolvePlatform(p)).filter((p) => p !== null);
    const matched: AccountRow[] = [];
    for (const platform of platforms) {
      const fits = (a: AccountRow) =>
        a.platformType === platform.type && (!platform.subtype || a.platformSubtype === platform.subtype) && normalizeTerm(a.ownerUnitName) === normalizeTerm(row['开设单位']);
      const account =
        accounts.find((a) => fits(a) && normalizeTerm(a.name) === normalizeTerm(row['账号名称'])) ??
        accounts.find((a) => fits(a) && stripDistrict(a.name) === stripDistrict(row['账号名称']));
      if (!account) throw new Error(`fixture row ${rowNo} matches no account`);
      matched.push(account);
    }
    accountsByRow.set(rowNo, matched);
    for (const account of matched) {
      await dataSource.getRepository(FindingEntity).insert({
        roundId,
        unitId: account.filerUnitId,
        accountId: account.id,
        qualified: row['是否合格'] === '合格',
        rowNo,
        accountNameRaw: row['账号名称'],
        platformTypeRaw: row['账号类型'],
        unitNameRaw: row['开设单位'],
        matchConfidence: 'exact',
        problemsRaw: row['主要问题'] || null,
        problemCodes: null,
        severity: null,
        isRepeat: false,
        sourceKey: `account:${account.id}`,
        status: row['是否合格'] === '合格' ? 'passed' : 'open',
        dispatchedAt: null,
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  const findings = await dataSource.getRepository(FindingEntity).find({ where: { roundId }, order: { id: 'ASC' } });
  const failing = findings.filter((f) => !f.qualified);

  // 整改情况 reports: accepted then returned; returned then pending; returned only; accepted then a newer pending;
  // a cancellation for the suspended account of row 35 (未及时注销)
  const row35 = findings.find((f) => f.rowNo === 35)!;
  const others = failing.filter((f) => f.id !== row35.id);
  const reports: SeededReport[] = [
    { findingId: others[0].id, description: '已删除错误内容并发布更正说明，完善三审三校制度。', result: 'accepted', measure: 'keep', minutesAfter: 10 },
    { findingId: others[0].id, description: '补充说明：已组织培训。', result: 'returned', measure: 'keep', minutesAfter: 20 },
    { findingId: others[1].id, description: '已恢复更新。', result: 'returned', measure: null, minutesAfter: 10 },
    { findingId: others[1].id, description: '已恢复每周不少于3次更新，并安排专人值守“留言”功能。', result: null, measure: 'change', minutesAfter: 30 },
    { findingId: others[2].id, description: '正在整改。', result: 'returned', measure: null, minutesAfter: 10 },
    { findingId: others[3].id, description: '已开通留言互动功能。', result: 'accepted', measure: null, minutesAfter: 10 },
    { findingId: others[3].id, description: '已开通留言互动功能，回复时限7日内。', result: null, measure: null, minutesAfter: 40 },
    { findingId: row35.id, description: '已在平台完成注销，并在全国系统中登记关闭。', result: 'accepted', measure: 'cancel', minutesAfter: 15 },
  ];
  for (const r of reports) {
    const at = new Date(now.getTime() + r.minutesAfter * 60_000);
    await dataSource.getRepository(RectificationEntity).insert({
      findingId: r.findingId,
      description: r.description,
      measure: r.measure,
      filingId: null,
      submittedBy: 'export-test',
      submittedByName: '测试',
      submittedAt: at,
      result: r.result,
      reviewedBy: r.result ? 'songzhiwei' : null,
      reviewedByName: r.result ? '宋知微' : null,
      reviewedAt: r.result ? at : null,
      reviewNote: null,
    });
  }
  const expectedRectification = new Map<number, string>();
  for (const f of findings) {
    const mine = reports.filter((r) => r.findingId === f.id);
    const newest = (list: SeededReport[]) => list.sort((a, b) => b.minutesAfter - a.minutesAfter)[0];
    const chosen = newest(mine.filter((r) => r.result === 'accepted')) ?? newest(mine.filter((r) => r.result === null));
    expectedRectification.set(f.id, chosen?.description ?? '');
  }
  return { roundId, findings, accountsByRow, reports, expectedRectification };
}
