import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { FindingEntity, RectificationEntity, type RectificationMeasure, type RectificationRow } from '../domain/inspection/finding-entity';
import { AccountEntity, type AccountRow } from '../domain/registry/account-entity';
import { FilingEntity } from '../domain/registry/filing-entity';
import { platformOption } from '../domain/registry/vocabulary';
import { UnitEntity, type UnitRow } from '../domain/roster/roster-entities';
import { toShanghaiDate } from '../shared/shanghai-time';
import { cnDate, fileDate, gap, phone, xlsxFileName, type ExportFile } from './export-format';
import { organizerUnit, unitContact } from './export-selectors';
import { addTableSheet, newWorkbook, workbookBuffer, type SheetColumn } from './xlsx-sheet';

/**
 * 排查及清理整合情况表 (S3). DOMAIN names its fields (those marked S3 in §2.4, the 排查表 contact 负责人及联系电话 of §2.3
 * and the header block of §2.7) but not its column list; the columns are those fields the registry keeps, in the
 * order of the registry: 序号 · 账号名称 · 新媒体类型 · 主办单位 · 运营单位 · 运营模式 · 基本功能 · 开设时间 · 粉丝量 ·
 * 运行状态 (S3's 正常运营 / 停止运营) · 负责人及联系电话 · 整改措施 · 备注. S3 fields the registry does not keep (平台类型 as
 * the hosting company, 经费保障, 推送频率, 运营人数) are left out rather than printed empty.
 *
 * 整改措施 (保留 / 变更 / 关停 / 注销): the measure of the account's latest 整改情况 report that was not returned; else
 * 注销 for a cancelled account, 关停 for a suspended one; else the type of a filing still under review (变更 / 关停 /
 * 注销); else 保留.
 */
export const CLEANUP_COLUMNS: readonly SheetColumn[] = [
  { header: '序号', width: 6, align: 'center' },
  { header: '账号名称', width: 20 },
  { header: '新媒体类型', width: 12, align: 'center' },
  { header: '主办单位', width: 24 },
  { header: '运营单位', width: 20 },
  { header: '运营模式', width: 10, align: 'center' },
  { header: '基本功能', width: 16 },
  { header: '开设时间', width: 15, align: 'center' },
  { header: '粉丝量', width: 10, align: 'right' },
  { header: '运行状态', width: 10, align: 'center' },
  { header: '负责人及联系电话', width: 20 },
  { header: '整改措施', width: 10, align: 'center' },
  { header: '备注', width: 28 },
];

const MEASURE_LABELS: Record<RectificationMeasure, string> = { keep: '保留', change: '变更', suspend: '关停', cancel: '注销' };
const FILING_MEASURES: Record<string, string> = { change: '变更', suspend: '关停', cancel: '注销' };

export interface CleanupExportParams {
  unit?: UnitRow;
  includePhones: boolean;
  now: Date;
}

export async function exportCleanup(manager: EntityManager, params: CleanupExportParams): Promise<ExportFile> {
  const units = new Map((await manager.getRepository(UnitEntity).find()).map((u) => [u.id, u]));
  let accounts = await manager.getRepository(AccountEntity).find({ order: { id: 'ASC' } });
  if (params.unit) accounts = accounts.filter((a) => a.filerUnitId === params.unit!.id || a.ownerUnitId === params.unit!.id);
  accounts.sort((a, b) => (units.get(a.filerUnitId)?.code ?? '').localeCompare(units.get(b.filerUnitId)?.code ?? '') || a.id - b.id);
  const measures = await cleanupMeasures(manager, accounts);

  const rows = accounts.map((a, i) => {
    const closed = a.runStatus !== 'active';
    const remark = [
      closed && (a.closedOn || a.closeReason) ? `${cnDate(a.closedOn)}${a.runStatus === 'cancelled' ? '注销' : '关停'}${a.closeReason ? `：${a.closeReason}` : ''}` : '',
      a.remarks ?? '',
    ]
      .filter(Boolean)
      .join('；');
    return [
      i + 1,
      a.name,
      platformOption(a.platformType).systemLabel + (a.platformSubtype ? `（${a.platformSubtype}）` : ''),
      a.ownerUnitName,
      a.operatorName ?? '',
      a.operationMode ?? '',
      a.basicFunctions ?? '',
      cnDate(a.openedOn),
      a.followers ?? '',
      closed ? '停止运营' : '正常运营',
      [a.managerName ?? '', phone(a.managerMobile, params.includePhones)].filter(Boolean).join(' '),
      measures.get(a.id) ?? '保留',
      remark,
    ];
  });

  const filer = params.unit ?? (await organizerUnit(manager));
  const contact = filer ? await unitContact(manager, filer.id) : null;
  const title = '政务新媒体排查及清理整合情况表';
  const workbook = newWorkbook(params.now);
  addTableSheet(workbook, {
    sheetName: '排查及清理整合情况表',
    title,
    headerBlock: [
      { label: '填报单位（盖章）', value: filer?.name ?? '', span: 5 },
      { label: '填表人', value: contact?.name ?? '', span: 4 },
      { label: '联系电话', value: phone(contact?.phone, params.includePhones), span: 4 },
    ],
    columns: [...CLEANUP_COLUMNS],
    rows,
    orientation: 'landscape',
    footer: [`单位主要负责人（签字）：${gap(15)}填表日期：${cnDate(toShanghaiDate(params.now))}`],
  });
  return {
    fileName: xlsxFileName(title, params.unit ? (params.unit.shortName ?? params.unit.name) : '全区', fileDate(params.now)),
    title,
    content: await workbookBuffer(workbook),
    rows: rows.length,
    subject: params.unit?.name ?? '全部单位',
    filters: params.unit ? { 单位: params.unit.name } : {},
    containsPhones: params.includePhones && (Boolean(contact?.phone) || accounts.some((a) => Boolean(a.managerMobile))),
  };
}

/** 整改措施 by account id, where something other than 保留 applies. */
async function cleanupMeasures(manager: EntityManager, accounts: AccountRow[]): Promise<Map<number, string>> {
  const result = new Map<number, string>();
  const ids = accounts.map((a) => a.id);
  const reported = new Map<number, RectificationRow>();
  const pending = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const findings = await manager.getRepository(FindingEntity).find({ where: { accountId: In(chunk) } });
    const accountOf = new Map(findings.map((f) => [f.id, f.accountId as number]));
    const findingIds = findings.map((f) => f.id);
    for (let j = 0; j < findingIds.length; j += 500) {
      const reports = await manager
        .getRepository(RectificationEntity)
        .find({ where: { findingId: In(findingIds.slice(j, j + 500)), measure: Not(IsNull()) }, order: { id: 'ASC' } });
      for (const r of reports) {
        if (r.result === 'returned') continue;
        const accountId = accountOf.get(r.findingId)!;
        const best = reported.get(accountId);
        if (!best || new Date(r.submittedAt).getTime() >= new Date(best.submittedAt).getTime()) reported.set(accountId, r);
      }
    }
    const filings = await manager.getRepository(FilingEntity).find({ where: { accountId: In(chunk), reviewStatus: 'pending' }, order: { id: 'ASC' } });
    for (const f of filings) if (f.accountId !== null && FILING_MEASURES[f.type]) pending.set(f.accountId, FILING_MEASURES[f.type]);
  }
  for (const a of accounts) {
    const report = reported.get(a.id);
    if (report?.measure) result.set(a.id, MEASURE_LABELS[report.measure]);
    else if (a.runStatus === 'cancelled') result.set(a.id, '注销');
    else if (a.runStatus === 'suspended') result.set(a.id, '关停');
    else if (pending.has(a.id)) result.set(a.id, pending.get(a.id)!);
  }
  return result;
}
