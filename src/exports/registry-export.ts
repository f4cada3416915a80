import { In, type EntityManager } from 'typeorm';
import { AccountEntity } from '../domain/registry/account-entity';
import { FilingEntity, type FilingRow } from '../domain/registry/filing-entity';
import { FILING_REVIEW_STATUS_OPTIONS, optionLabel, platformOption, type RunStatus } from '../domain/registry/vocabulary';
import { UnitEntity, type UnitRow } from '../domain/roster/roster-entities';
import { cnDate, fileDate, gap, isoDate, isoMinute, phone, xlsxFileName, type ExportFile } from './export-format';
import { toShanghaiDate } from '../shared/shanghai-time';
import { statusLabel } from './export-selectors';
import { addTableSheet, newWorkbook, workbookBuffer, type SheetColumn } from './xlsx-sheet';

/**
 * The registry (台账): every account with the columns of the office's own registry file, in its order (fixtures
 * README, accounts.csv), so the export can be imported again with import-accounts. 序号 counts the exported rows.
 * 提交时间 / 审核结束时间 are those of the account's latest filing made through the bot (an imported registry does
 * not keep them, so they stay empty for accounts never filed here).
 */
export const REGISTRY_COLUMNS: readonly SheetColumn[] = [
  { header: '序号', width: 6, align: 'center' },
  { header: '服务标识码', width: 15 },
  { header: '账号名称', width: 20 },
  { header: '新媒体类型', width: 11, align: 'center' },
  { header: '平台/账号细分', width: 12, align: 'center' },
  { header: '账号ID', width: 18 },
  { header: '访问地址', width: 30 },
  { header: '开办单位', width: 24 },
  { header: '填报单位', width: 24 },
  { header: '运维模式', width: 10, align: 'center' },
  { header: '运维机构', width: 20 },
  { header: '功能定位', width: 24 },
  { header: '基本功能', width: 18 },
  { header: '官方认证', width: 10, align: 'center' },
  { header: '开设时间', width: 12, align: 'center' },
  { header: '运行状态', width: 10, align: 'center' },
  { header: '备案状态', width: 10, align: 'center' },
  { header: '提交时间', width: 17, align: 'center' },
  { header: '审核结束时间', width: 17, align: 'center' },
  { header: '关停/注销时间', width: 13, align: 'center' },
  { header: '关停/注销原因', width: 22 },
  { header: '是否纳入全国报送系统', width: 12, align: 'center' },
  { header: '具体负责人', width: 10, align: 'center' },
  { header: '具体负责人手机号', width: 14, align: 'center' },
  { header: '粉丝量', width: 10, align: 'right' },
  { header: '备注', width: 28 },
];

export interface RegistryExportParams {
  unit?: UnitRow;
  status?: RunStatus;
  includePhones: boolean;
  now: Date;
}

export async function exportRegistry(manager: EntityManager, params: RegistryExportParams): Promise<ExportFile> {
  let accounts = await manager.getRepository(AccountEntity).find({ order: { id: 'ASC' } });
  if (params.unit) accounts = accounts.filter((a) => a.filerUnitId === params.unit!.id || a.ownerUnitId === params.unit!.id);
  if (params.status) accounts = accounts.filter((a) => a.runStatus === params.status);
  const units = new Map((await manager.getRepository(UnitEntity).find()).map((u) => [u.id, u]));
  const filings = await latestFilings(manager, accounts.map((a) => a.id));

  const rows = accounts.map((a, i) => {
    const filing = filings.get(a.id);
    return [
      i + 1,
      a.serviceCode ?? '',
      a.name,
      platformOption(a.platformType).systemLabel,
      a.platformSubtype ?? '',
      a.platformAccountId ?? '',
      a.url ?? '',
      a.ownerUnitName,
      units.get(a.filerUnitId)?.name ?? '',
      a.operationMode ?? '',
      a.operatorName ?? '',
      a.functionDescription ?? '',
      a.basicFunctions ?? '',
      a.verification ?? '',
      isoDate(a.openedOn),
      statusLabel(a.runStatus),
      optionLabel(FILING_REVIEW_STATUS_OPTIONS, a.filingStatus),
      isoMinute(filing?.submittedAt),
      isoMinute(filing?.reviewedAt),
      isoDate(a.closedOn),
      a.closeReason ?? '',
      a.inNationalSystem === null || a.inNationalSystem === undefined ? '' : a.inNationalSystem ? '是' : '否',
      a.managerName ?? '',
      phone(a.managerMobile, params.includePhones),
      a.followers ?? '',
      a.remarks ?? '',
    ];
  });

  const filters: Record<string, string> = {};
  if (params.unit) filters['单位'] = params.unit.name;
  if (params.status) filters['运行状态'] = statusLabel(params.status);
  const title = '政务新媒体账号台账';
  const filterText = Object.entries(filters).map(([k, v]) => `${k}：${v}`).join('；');
  const workbook = newWorkbook(params.now);
  addTableSheet(workbook, {
    sheetName: '台账',
    title,
    note: `导出日期：${cnDate(toShanghaiDate(params.now))}${gap(1)}共${rows.length}个账号${filterText ? `${gap(1)}（${filterText}）` : ''}`,
    columns: [...REGISTRY_COLUMNS],
    rows,
    orientation: 'landscape',
  });
  return {
    fileName: xlsxFileName(title, params.unit?.shortName ?? params.unit?.name, params.status ? statusLabel(params.status) : null, fileDate(params.now)),
    title,
    content: await workbookBuffer(workbook),
    rows: rows.length,
    subject: params.unit?.name ?? '全部单位',
    filters,
    containsPhones: params.includePhones && accounts.some((a) => Boolean(a.managerMobile)),
  };
}

/** The latest filing of each account (highest id), by account id. */
export async function latestFilings(manager: EntityManager, accountIds: number[]): Promise<Map<number, FilingRow>> {
  const result = new Map<number, FilingRow>();
  for (let i = 0; i < accountIds.length; i += 500) {
    const chunk = accountIds.slice(i, i + 500);
    if (chunk.length === 0) continue;
    const filings = await manager.getRepository(FilingEntity).find({ where: { accountId: In(chunk) }, order: { id: 'ASC' } });
    for (const f of filings) if (f.accountId !== null) result.set(f.accountId, f);
  }
  return result;
}
