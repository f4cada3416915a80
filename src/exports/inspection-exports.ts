import { In, type EntityManager } from 'typeorm';
import { FindingEntity, RectificationEntity, type FindingRow, type InspectionRoundRow, type RectificationRow } from '../domain/inspection/finding-entity';
import { AccountEntity, type AccountRow } from '../domain/registry/account-entity';
import { platformOption, type PlatformType } from '../domain/registry/vocabulary';
import type { UnitRow } from '../domain/roster/roster-entities';
import { phone, xlsxFileName, type ExportFile } from './export-format';
import { organizerUnit, roundLabel, unitContact } from './export-selectors';
import { addTableSheet, newWorkbook, workbookBuffer, type SheetColumn } from './xlsx-sheet';

/**
 * The inspection tables of one round (DOMAIN §2.7):
 * - 检查结果信息表 (S0): header block 填报单位 / 填表人 / 联系电话 (the unit's liaison from the roster, or the office's
 *   for the whole district), one row per inspected account: 序号 · 新媒体类型 · 新媒体名称 · 开设单位 · 是否合格 ·
 *   存在的突出问题（仅不合格的填写） · 整改情况;
 * - 检查情况信息表 (S4): the failures only, one row per row of the inspection table (a row naming two platforms, 抖音、快手,
 *   stays one row): 序号 · 账号名称 · 账号类型 · 开设单位 · 主要问题.
 */

export const RESULT_COLUMNS: readonly SheetColumn[] = [
  { header: '序号', width: 6, align: 'center' },
  { header: '新媒体类型', width: 14, align: 'center' },
  { header: '新媒体名称', width: 22 },
  { header: '开设单位', width: 26 },
  { header: '是否合格', width: 10, align: 'center' },
  { header: '存在的突出问题（仅不合格的填写）', width: 34 },
  { header: '整改情况', width: 40 },
];

export const FAILURE_COLUMNS: readonly SheetColumn[] = [
  { header: '序号', width: 6, align: 'center' },
  { header: '账号名称', width: 24 },
  { header: '账号类型', width: 16, align: 'center' },
  { header: '开设单位', width: 28 },
  { header: '主要问题', width: 48 },
];

/** The 新媒体类型 spellings of the S0 result table (DOMAIN §2.1, column "S0 result-table note"). */
const S0_RESULT_LABELS: Record<PlatformType, string> = {
  wechat: '微信',
  weibo: '微博',
  app: '移动客户端（APP）',
  toutiao: '今日头条号',
  miniProgram: '小程序',
  douyin: '抖音',
  kuaishou: '快手',
  qqPenguin: '企鹅号',
  other: '其他',
};

export interface InspectionExportParams {
  round: InspectionRoundRow;
  unit?: UnitRow;
  includePhones: boolean;
  now: Date;
}

interface RoundData {
  findings: FindingRow[];
  accounts: Map<number, AccountRow>;
  rectifications: Map<number, RectificationRow[]>;
}

async function loadRound(manager: EntityManager, round: InspectionRoundRow, unit: UnitRow | undefined, failuresOnly: boolean): Promise<RoundData> {
  const where: Record<string, unknown> = { roundId: round.id };
  if (unit) where.unitId = unit.id;
  if (failuresOnly) where.qualified = false;
  const findings = (await manager.getRepository(FindingEntity).find({ where })).sort(
    (a, b) => (a.rowNo ?? Number.MAX_SAFE_INTEGER) - (b.rowNo ?? Number.MAX_SAFE_INTEGER) || a.id - b.id,
  );
  const accountIds = [...new Set(findings.map((f) => f.accountId).filter((id): id is number => id !== null))];
  const accounts = new Map<number, AccountRow>();
  const rectifications = new Map<number, RectificationRow[]>();
  for (let i = 0; i < accountIds.length; i += 500) {
    for (const a of await manager.getRepository(AccountEntity).find({ where: { id: In(accountIds.slice(i, i + 500)) } })) accounts.set(a.id, a);
  }
  const findingIds = findings.map((f) => f.id);
  for (let i = 0; i < findingIds.length; i += 500) {
    const reports = await manager.getRepository(RectificationEntity).find({ where: { findingId: In(findingIds.slice(i, i + 500)) }, order: { id: 'ASC' } });
    for (const r of reports) rectifications.set(r.findingId, [...(rectifications.get(r.findingId) ?? []), r]);
  }
  return { findings, accounts, rectifications };
}

/**
 * The 整改情况 of a finding: the latest report the office accepted, else the latest one still waiting for it; a
 * returned report does not count. Empty without such a report.
 */
export function rectificationText(reports: RectificationRow[] | undefined): string {
  if (!reports?.length) return '';
  const latest = (list: RectificationRow[]) =>
    list.reduce<RectificationRow | undefined>((best, r) => (!best || time(r.submittedAt) > time(best.submittedAt) || (time(r.submittedAt) === time(best.submittedAt) && r.id > best.id) ? r : best), undefined);
  const chosen = latest(reports.filter((r) => r.result === 'accepted')) ?? latest(reports.filter((r) => r.result === null));
  return chosen?.description ?? '';
}

const time = (d: Date): number => new Date(d).getTime();

/** 检查结果信息表 (S0). */
export async function exportResults(manager: EntityManager, params: InspectionExportParams): Promise<ExportFile> {
  const { round, unit } = params;
  const data = await loadRound(manager, round, unit, false);
  const rows = data.findings.map((f, i) => {
    const account = f.accountId !== null ? data.accounts.get(f.accountId) : undefined;
    const type = account
      ? S0_RESULT_LABELS[account.platformType] + (account.platformType === 'other' && account.platformSubtype ? `（${account.platformSubtype}）` : '')
      : f.platformTypeRaw;
    return [
      i + 1,
      type,
      account?.name ?? f.accountNameRaw,
      account?.ownerUnitName ?? f.unitNameRaw,
      f.qualified ? '合格' : '不合格',
      f.qualified ? '' : (f.problemsRaw ?? ''),
      f.qualified ? '' : rectificationText(data.rectifications.get(f.id)),
    ];
  });
  const filer = unit ?? (await organizerUnit(manager));
  const contact = filer ? await unitContact(manager, filer.id) : null;
  const label = roundLabel(round);
  const title = `${label}政务新媒体检查结果信息表`;
  const workbook = newWorkbook(params.now);
  addTableSheet(workbook, {
    sheetName: '检查结果信息表',
    title,
    headerBlock: [
      { label: '填报单位', value: filer?.name ?? '', span: 3 },
      { label: '填表人', value: contact?.name ?? '', span: 2 },
      { label: '联系电话', value: phone(contact?.phone, params.includePhones), span: 2 },
    ],
    columns: [...RESULT_COLUMNS],
    rows,
    orientation: 'landscape',
  });
  return {
    fileName: xlsxFileName(title, unit ? (unit.shortName ?? unit.name) : '全区'),
    title,
    content: await workbookBuffer(workbook),
    rows: rows.length,
    subject: `${round.title}${unit ? ` ${unit.name}` : ''}`,
    filters: { 轮次: round.title, ...(unit ? { 单位: unit.name } : {}) },
    containsPhones: params.includePhones && Boolean(contact?.phone),
  };
}

/** 检查情况信息表 (S4): failures only. */
export async function exportFailures(manager: EntityManager, params: InspectionExportParams): Promise<ExportFile> {
  const { round, unit } = params;
  const data = await loadRound(manager, round, unit, true);
  // one row per row of the inspection table: the findings of a two-platform row share rowNo and the raw cells
  const groups: FindingRow[][] = [];
  const byRow = new Map<string, FindingRow[]>();
  for (const f of data.findings) {
    if (f.rowNo === null) {
      groups.push([f]);
      continue;
    }
    const key = [f.rowNo, f.accountNameRaw, f.platformTypeRaw, f.unitNameRaw].join('\u0000');
    const group = byRow.get(key);
    if (group) group.push(f);
    else {
      const fresh = [f];
      byRow.set(key, fresh);
      groups.push(fresh);
    }
  }
  const rows = groups.map((group, i) => {
    const f = group[0];
    const accounts = group.map((g) => (g.accountId !== null ? data.accounts.get(g.accountId) : undefined)).filter((a): a is AccountRow => Boolean(a));
    const type = f.platformTypeRaw || [...new Set(accounts.map((a) => platformOption(a.platformType).label))].join('、');
    return [i + 1, f.accountNameRaw || (accounts[0]?.name ?? ''), type, f.unitNameRaw || (accounts[0]?.ownerUnitName ?? ''), f.problemsRaw ?? ''];
  });
  const title = `${roundLabel(round)}政务新媒体检查情况信息表`;
  const workbook = newWorkbook(params.now);
  addTableSheet(workbook, {
    sheetName: '检查情况信息表',
    title,
    columns: [...FAILURE_COLUMNS],
    rows,
    orientation: 'portrait',
  });
  return {
    fileName: xlsxFileName(title, unit ? (unit.shortName ?? unit.name) : null),
    title,
    content: await workbookBuffer(workbook),
    rows: rows.length,
    subject: `${round.title}${unit ? ` ${unit.name}` : ''}`,
    filters: { 轮次: round.title, ...(unit ? { 单位: unit.name } : {}) },
    containsPhones: false,
  };
}
