/**
 * npm run bench:import   (BENCH_ACCOUNTS=10000 by default, BENCH_DATABASES=sqlite,mysql by default)
 *
 * Generates a registry of BENCH_ACCOUNTS accounts over 200 units and an inspection result table (XLSX, one row per
 * account, a title row above the header) with the mismatches offices produce: names with the district's 区 added
 * (东岚区… for 东岚…), spaces and full-width characters, a few names with one character changed, accounts that are
 * not in the registry, rows naming two platforms (抖音、快手), unknown type labels, and about 15 % failures with
 * problems. Then imports it on SQLite and on MySQL (a fresh database each, real migrations) with the real reader,
 * matcher and writer in one transaction, and prints the time of each phase and the match counts. Target: the whole
 * import (read + plan + write) in under 5 s per database. A missed target is printed as MISSED; the exit code stays
 * 0 (a benchmark, not a test).
 */
import { resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { AccountEntity, type AccountRow } from '../../src/domain/registry/account-entity';
import { UnitEntity, type UnitRow } from '../../src/domain/roster/roster-entities';
import { FindingEntity, InspectionQueueEntity } from '../../src/domain/inspection/finding-entity';
import { importInspection, readInspectionFile, type InspectionImportSummary } from '../../src/domain/inspection/inspection-import';
import { loadProblemVocabulary } from '../../src/domain/inspection/problem-vocabulary';
import { createTestDatabase, type TestDatabaseKind } from '../helpers/test-databases';
import { envDatabases, envWholeNumber } from './bench-env';

const ROOT = resolve(__dirname, '../..');
const TARGET_MS = 5000;
const UNITS = 200;



const ACCOUNTS = envWholeNumber('BENCH_ACCOUNTS', 10000, 100);
const DATABASES = envDatabases();

const TOPICS = ['发布', '政务', '服务', '之声', '在线', '资讯', '融媒', '先锋', '青年', '民生', '视窗', '便民', '快讯', '观察', '热线'];
const PLATFORMS: Array<{ type: AccountRow['platformType']; raw: string; subtype: string | null; label: string }> = [
  { type: 'wechat', raw: '微信', subtype: '订阅号', label: '微信公众号' },
  { type: 'wechat', raw: '微信', subtype: '服务号', label: '微信服务号' },
  { type: 'weibo', raw: '微博', subtype: '新浪微博', label: '新浪微博' },
  { type: 'douyin', raw: '抖音', subtype: null, label: '抖音' },
  { type: 'kuaishou', raw: '快手', subtype: null, label: '快手' },
  { type: 'toutiao', raw: '今日头条号', subtype: null, label: '今日头条' },
  { type: 'other', raw: '其他', subtype: '视频号', label: '微信视频号' },
  { type: 'other', raw: '其他', subtype: '小红书', label: '小红书' },
];
const PROBLEMS = ['更新不及时', '原创内容较少', '监测时间点前2周内无更新', '错别字1处', '菜单链接失效', '互动回复不及时', '未及时注销', '栏目设置需优化'];

/** A deterministic pseudo-random sequence, so every run benches the same table. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Generated {
  units: Array<Omit<UnitRow, 'id'>>;
  /** accounts by unit index */
  accounts: Array<Omit<AccountRow, 'id' | 'filerUnitId' | 'ownerUnitId'> & { unitIndex: number }>;
  rows: Array<[number, string, string, string, string, string]>;
  expected: { mismatchPlace: number; mismatchFormat: number; changed: number; unregistered: number; twoPlatform: number; unknownType: number };
}

function generate(): Generated {
  const random = rng(20261015);
  const now = new Date('2026-10-15T01:00:00Z');
  const units: Generated['units'] = [];
  for (let u = 0; u < UNITS; u++) {
    const town = u % 3 === 0;
    units.push({
      code: `BU${String(u + 1).padStart(4, '0')}`,
      name: town ? `东岚区第${u + 1}街道办事处` : `东岚区第${u + 1}局`,
      shortName: town ? `${u + 1}街道` : `区${u + 1}局`,
      unitType: town ? '街道' : '部门',
      parentName: '东岚区人民政府',
      systemRolesRaw: '填报单位',
      isOrganizer: false,
      isFiler: true,
      remarks: null,
      createdAt: now,
      updatedAt: now,
    });
  }
  const accounts: Generated['accounts'] = [];
  const rows: Generated['rows'] = [];
  const expected = { mismatchPlace: 0, mismatchFormat: 0, changed: 0, unregistered: 0, twoPlatform: 0, unknownType: 0 };
  let n = 0;
  while (accounts.length < ACCOUNTS) {
    const unitIndex = n % UNITS;
    const unit = units[unitIndex];
    const name = `东岚${TOPICS[n % TOPICS.length]}${unitIndex + 1}号${Math.floor(n / UNITS) + 1}`;
    const account = (p: (typeof PLATFORMS)[number]): Generated['accounts'][number] => ({
      unitIndex,
      serviceCode: null,
      name,
      platformType: p.type,
      platformTypeRaw: p.raw,
      platformSubtype: p.subtype,
      platformAccountId: null,
      url: null,
      ownerUnitName: unit.name,
      operationMode: '自营',
      operatorName: null,
      functionDescription: null,
      basicFunctions: null,
      verification: '已认证',
      openedOn: '2020-01-01',
      runStatus: 'active',
      runStatusRaw: '正常运行',
      filingStatus: 'approved',
      closedOn: null,
      closeReason: null,
      inNationalSystem: true,
      managerName: null,
      managerMobile: null,
      principalName: null,
      principalPhone: null,
      leaderName: null,
      leaderPhone: null,
      followers: null,
      remarks: null,
      duplicateJustification: null,
      createdAt: now,
      updatedAt: now,
      rev: 1,
    });
    const failing = random() < 0.15;
    const problems = failing ? [PROBLEMS[Math.floor(random() * PROBLEMS.length)], PROBLEMS[Math.floor(random() * PROBLEMS.length)]].join('、') : '';
    const verdict = failing ? '不合格' : '合格';
    const roll = random();
    if (roll < 0.01 && accounts.length + 2 <= ACCOUNTS) {
      // one row for two accounts
      accounts.push(account(PLATFORMS[3]), account(PLATFORMS[4]));
      rows.push([rows.length + 1, name, '抖音、快手', unit.name, verdict, problems]);
      expected.twoPlatform++;
    } else {
      // a unit runs its accounts on different platforms, as units do
      const p = PLATFORMS[Math.floor(n / UNITS) % PLATFORMS.length];
      accounts.push(account(p));
      let written = name;
      let label = p.label;
      if (roll < 0.03) {
        written = name.replace(/^东岚/, '东岚区');
        expected.mismatchPlace++;
      } else if (roll < 0.05) {
        written = ` ${name.slice(0, 2)} ${name.slice(2)}`.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
        expected.mismatchFormat++;
      } else if (roll < 0.055) {
        written = `${name}号`;
        expected.changed++;
      } else if (roll < 0.06) {
        label = '百度贴吧号';
        expected.unknownType++;
      }
      rows.push([rows.length + 1, written, label, unit.name, verdict, problems]);
    }
    n++;
  }
  // accounts the registry does not know
  const unregistered = Math.max(1, Math.round(ACCOUNTS * 0.005));
  for (let i = 0; i < unregistered; i++) {
    rows.push([rows.length + 1, `东岚未备案${i + 1}`, '抖音', units[i % UNITS].name, '不合格', '私自开设']);
    expected.unregistered++;
  }
  return { units, accounts, rows, expected };
}

async function workbook(rows: Generated['rows']): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('检查结果');
  sheet.addRow(['2026年第三季度政务新媒体检查情况']);
  sheet.mergeCells('A1:F1');
  sheet.addRow(['序号', '账号名称', '账号类型', '开设单位', '是否合格', '主要问题']);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function benchDatabase(kind: TestDatabaseKind, data: Generated, file: Buffer): Promise<boolean> {
  const db = await createTestDatabase(kind);
  try {
    let t = Date.now();
    for (let i = 0; i < data.units.length; i += 200) await db.dataSource.getRepository(UnitEntity).insert(data.units.slice(i, i + 200));
    const idByCode = new Map((await db.dataSource.getRepository(UnitEntity).find()).map((u) => [u.code, u.id]));
    const unitIds = data.units.map((u) => idByCode.get(u.code)!);
    const accountRows = data.accounts.map(({ unitIndex, ...a }) => ({ ...a, filerUnitId: unitIds[unitIndex], ownerUnitId: unitIds[unitIndex] }));
    for (let i = 0; i < accountRows.length; i += 300) await db.dataSource.getRepository(AccountEntity).insert(accountRows.slice(i, i + 300));
    console.log(`\n[${kind}] seeded ${data.units.length} units and ${accountRows.length.toLocaleString('en-US')} accounts in ${secs(Date.now() - t)} (not timed)`);

    const vocabulary = loadProblemVocabulary(resolve(ROOT, 'config/problem-codes.json'));
    const start = Date.now();
    t = start;
    const inspectionFile = await readInspectionFile(file, 'bench-inspection.xlsx');
    const readMs = Date.now() - t;
    t = Date.now();
    const summary: InspectionImportSummary = await db.dataSource.transaction((manager) =>
      importInspection(manager, { ...inspectionFile, round: { title: '2026年第三季度' }, vocabulary, actor: 'bench', now: new Date() }),
    );
    const importMs = Date.now() - t;
    const totalMs = Date.now() - start;
    const findings = await db.dataSource.getRepository(FindingEntity).count();
    const queue = await db.dataSource.getRepository(InspectionQueueEntity).count();
    t = Date.now();
    const again = await db.dataSource.transaction((manager) =>
      importInspection(manager, { ...inspectionFile, round: { title: '2026年第三季度' }, vocabulary, actor: 'bench', now: new Date() }),
    );
    const againMs = Date.now() - t;
    const ok = totalMs < TARGET_MS;
    console.log(`[${kind}] read XLSX (${summary.rowsRead.toLocaleString('en-US')} rows): ${secs(readMs)}; match + write in one transaction: ${secs(importMs)}; total ${secs(totalMs)} — target < 5 s: ${ok ? 'OK' : 'MISSED'}`);
    console.log(
      `[${kind}] findings created ${findings.toLocaleString('en-US')} (exact ${summary.created.exact}, normalized ${summary.created.normalized}, fuzzy ${summary.created.fuzzy}); ` +
        `queued ${queue} (${Object.entries(summary.queued).map(([k, v]) => `${k} ${v}`).join(', ')}); failing ${summary.failing}, passing ${summary.passing}; units with failures ${summary.failingUnits.length}`,
    );
    console.log(`[${kind}] the same file again: unchanged ${again.unchanged.toLocaleString('en-US')}, created ${again.created.exact + again.created.normalized + again.created.fuzzy}, still queued ${again.stillQueued} in ${secs(againMs)}`);
    return ok;
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const data = generate();
  const file = await workbook(data.rows);
  console.log(
    `bench:import: ${data.accounts.length.toLocaleString('en-US')} accounts, ${data.rows.length.toLocaleString('en-US')} table rows ` +
      `(XLSX ${(file.length / 1024).toFixed(0)} KB) on ${DATABASES.join(', ')}; node ${process.version}`,
  );
  const e = data.expected;
  console.log(
    `generated mismatches: 区 added ${e.mismatchPlace}, spaces/full-width ${e.mismatchFormat}, one character added ${e.changed}, ` +
      `unknown type ${e.unknownType}, two platforms in one row ${e.twoPlatform}, not in the registry ${e.unregistered}`,
  );
  const verdicts: string[] = [];
  for (const kind of DATABASES) verdicts.push(`${kind} ${(await benchDatabase(kind, data, file)) ? 'PASS' : 'MISSED'}`);
  console.log(`\nbench:import: ${verdicts.join(', ')}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
