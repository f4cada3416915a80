import type { EntityManager } from 'typeorm';
import { isValidYmd, shanghaiInstant, ymd } from '../../shared/shanghai-time';
import { AuditEntity } from '../audit/audit-entity';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import type { RowError, TableRow, TableRows } from '../roster/roster-file';
import { cleanCell as cleanText, findHeader, headerLookup, type ColumnSpec as TableColumn, type HeaderMatch as TableHeader } from '../tables/table-header';
import { AccountEntity, type AccountRow } from './account-entity';
import { updateAccount } from './filing-service';
import {
  FILING_REVIEW_STATUS_OPTIONS,
  OPERATION_MODE_OPTIONS,
  RUN_STATUS_OPTIONS,
  VERIFICATION_OPTIONS,
  joinBasicFunctions,
  normalizeMobile,
  normalizeTerm,
  resolveBasicFunctions,
  resolveOperationMode,
  resolvePlatform,
  resolveReviewStatus,
  resolveRunStatus,
  resolveVerification,
  resolveOption,
  YES_NO_OPTIONS,
  type FilingReviewStatus,
  type OperationMode,
  type PlatformType,
  type RunStatus,
  type Verification,
} from './vocabulary';

/**
 * Importing the registry the office keeps in Excel (accounts.csv / .xlsx, DOMAIN §2.4). parseAccounts is pure (a
 * table in, rows or row-numbered Chinese errors out); applyAccounts writes them in the caller's transaction, all or
 * nothing. Read the file with readTable (roster-file.ts): CSV or XLSX, BOM, CRLF.
 */

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/**
 * One valid row of the file. Optional columns are `undefined` when the file has no such column (the stored value is
 * then kept on re-import) and null when the cell is empty.
 */
export interface AccountImportRow {
  rowNumber: number;
  serviceCode?: string | null;
  name: string;
  platformType: PlatformType;
  platformTypeRaw: string;
  platformSubtype: string | null;
  platformAccountId?: string | null;
  url?: string | null;
  /** 开办单位 as written (full or short name, or a 事业单位 not in the roster) */
  ownerUnitName: string;
  /** 填报单位 as written: must be a unit of the roster (full or short name) */
  filerUnitName: string;
  operationMode?: OperationMode | null;
  operatorName?: string | null;
  functionDescription?: string | null;
  /** labels joined with 、 in the canonical order */
  basicFunctions?: string | null;
  verification?: Verification | null;
  openedOn: string;
  runStatus: RunStatus;
  runStatusRaw: string;
  filingStatus?: FilingReviewStatus;
  /** 提交时间 / 审核结束时间 (Beijing wall time in the file); checked, not stored */
  submittedAt?: Date | null;
  reviewedAt?: Date | null;
  closedOn?: string | null;
  closeReason?: string | null;
  inNationalSystem?: boolean | null;
  managerName?: string | null;
  managerMobile?: string | null;
  principalName?: string | null;
  principalPhone?: string | null;
  leaderName?: string | null;
  leaderPhone?: string | null;
  followers?: number | null;
  remarks?: string | null;
}

export interface AccountImportSummary {
  created: number;
  updated: number;
  unchanged: number;
}

/** The rows cannot be applied (unknown 填报单位, two rows for one account …): nothing was written. */
export class AccountImportError extends Error {
  constructor(readonly errors: RowError[]) {
    super(`账号台账未导入：发现 ${errors.length} 处问题（${errors.length} problems, nothing imported）`);
    this.name = 'AccountImportError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------------------------

type ColumnKey =
  | 'serviceCode'
  | 'name'
  | 'platformType'
  | 'platformSubtype'
  | 'platformAccountId'
  | 'url'
  | 'ownerUnitName'
  | 'filerUnitName'
  | 'operationMode'
  | 'operatorName'
  | 'functionDescription'
  | 'basicFunctions'
  | 'verification'
  | 'openedOn'
  | 'runStatus'
  | 'filingStatus'
  | 'submittedAt'
  | 'reviewedAt'
  | 'closedOn'
  | 'closeReason'
  | 'inNationalSystem'
  | 'managerName'
  | 'managerMobile'
  | 'principalName'
  | 'principalPhone'
  | 'leaderName'
  | 'leaderPhone'
  | 'followers'
  | 'remarks';

interface ColumnSpec extends TableColumn<ColumnKey> {
  maxLength?: number;
}

const COLUMNS: readonly ColumnSpec[] = [
  { key: 'serviceCode', label: '服务标识码', required: false, synonyms: ['标识码', '服务标识'], maxLength: 32 },
  {
    key: 'name',
    label: '账号名称',
    required: true,
    synonyms: ['政务新媒体名称', '新媒体名称', '服务名称', '名称', '名称(全称)', '微博名称', '公众号名称'],
    maxLength: 191,
  },
  { key: 'platformType', label: '新媒体类型', required: true, synonyms: ['运行平台', '账号类型', '渠道', '平台'] },
  {
    key: 'platformSubtype',
    label: '平台/账号细分',
    required: false,
    synonyms: ['平台细分', '账号细分', '细分', '平台/账号类型', '账号性质'],
    maxLength: 64,
  },
  { key: 'platformAccountId', label: '账号ID', required: false, synonyms: ['账号', '平台账号', '原始ID', '账号编号'], maxLength: 191 },
  { key: 'url', label: '访问地址', required: false, synonyms: ['访问链接', '网址', '链接', '微博地址', 'URL'], maxLength: 1000 },
  {
    key: 'ownerUnitName',
    label: '开办单位',
    required: true,
    synonyms: ['主办单位', '开设单位', '注册单位', '认证主体'],
    maxLength: 191,
  },
  { key: 'filerUnitName', label: '填报单位', required: true, synonyms: ['填报单位名称', '备案单位'], maxLength: 191 },
  { key: 'operationMode', label: '运维模式', required: false, synonyms: ['运营模式'] },
  { key: 'operatorName', label: '运维机构', required: false, synonyms: ['运营单位', '运维单位', '运营机构'], maxLength: 191 },
  { key: 'functionDescription', label: '功能定位', required: false, synonyms: ['主要功能'], maxLength: 1000 },
  { key: 'basicFunctions', label: '基本功能', required: false, synonyms: [] },
  { key: 'verification', label: '官方认证', required: false, synonyms: ['是否认证', '认证情况', '是否官方认证'] },
  {
    key: 'openedOn',
    label: '开设时间',
    required: true,
    synonyms: ['开设日期', '注册时间', '开通时间', '开设时间(年月日)'],
  },
  { key: 'runStatus', label: '运行状态', required: true, synonyms: ['运营状态', '状态'] },
  { key: 'filingStatus', label: '备案状态', required: false, synonyms: ['审核状态'] },
  { key: 'submittedAt', label: '提交时间', required: false, synonyms: ['备案提交时间'] },
  { key: 'reviewedAt', label: '审核结束时间', required: false, synonyms: ['审核时间', '审核完成时间'] },
  {
    key: 'closedOn',
    label: '关停/注销时间',
    required: false,
    synonyms: ['关停注销时间', '关停时间', '注销时间', '关停/注销日期'],
  },
  { key: 'closeReason', label: '关停/注销原因', required: false, synonyms: ['关停注销原因', '关停原因', '注销原因'], maxLength: 2000 },
  {
    key: 'inNationalSystem',
    label: '是否纳入全国报送系统',
    required: false,
    synonyms: ['纳入全国报送系统', '是否纳入全国政务新媒体信息报送系统', '是否报送全国系统'],
  },
  { key: 'managerName', label: '具体负责人', required: false, synonyms: ['管理员', '具体负责人姓名'], maxLength: 64 },
  {
    key: 'managerMobile',
    label: '具体负责人手机号',
    required: false,
    synonyms: ['具体负责人手机', '具体负责人电话', '具体负责人联系电话', '管理员手机号'],
  },
  { key: 'principalName', label: '主要负责人', required: false, synonyms: ['单位主要负责人'], maxLength: 64 },
  { key: 'principalPhone', label: '主要负责人电话', required: false, synonyms: ['主要负责人手机号', '主要负责人联系电话'], maxLength: 32 },
  { key: 'leaderName', label: '分管负责人', required: false, synonyms: ['分管领导'], maxLength: 64 },
  { key: 'leaderPhone', label: '分管负责人电话', required: false, synonyms: ['分管负责人手机号', '分管领导电话'], maxLength: 32 },
  { key: 'followers', label: '粉丝量', required: false, synonyms: ['粉丝数', '关注数', '订阅数'] },
  { key: 'remarks', label: '备注', required: false, synonyms: ['情况说明', '说明'], maxLength: 2000 },
];

const HEADER_LOOKUP = headerLookup<ColumnKey, ColumnSpec>(COLUMNS);

/** The 新媒体类型 spellings of the provincial system, in the order the office's template lists them. */
const PLATFORM_CHOICES = '微博、微信、APP、今日头条号、小程序、抖音、快手、企鹅号、其他';

const labelsOf = (options: readonly { label: string }[]): string => options.map((o) => o.label).join('、');

// ---------------------------------------------------------------------------------------------------------------
// parseAccounts
// ---------------------------------------------------------------------------------------------------------------

/**
 * Maps the table to account rows by header name (any column order, common synonyms, title rows above the header).
 * Every problem of every row is collected; the result is either all rows or all errors.
 */
export function parseAccounts(table: TableRows): { rows: AccountImportRow[] } | { errors: RowError[] } {
  const header = findHeader<ColumnKey, ColumnSpec>(table.rows, COLUMNS, HEADER_LOOKUP, '政务新媒体账号台账');
  if ('errors' in header) return header;
  if (header.duplicates.length > 0) return { errors: header.duplicates };

  const errors: RowError[] = [];
  const rows: AccountImportRow[] = [];
  const seenKey = new Map<string, number>();
  const seenServiceCode = new Map<string, number>();
  for (const tableRow of table.rows) {
    if (tableRow.rowNumber <= header.rowNumber) continue;
    const parsed = parseRow(tableRow, header, errors);
    if (!parsed) continue;
    const { row, ok } = parsed;
    let duplicate = false;
    if (row.name && row.platformType && row.ownerUnitName) {
      const key = naturalKey(row.name, row.platformType, row.platformSubtype, `name:${normalizeTerm(row.ownerUnitName)}`);
      const first = seenKey.get(key);
      if (first !== undefined) {
        errors.push(
          rowError(
            row.rowNumber,
            header.label.get('name')!,
            `“${row.name}”（${row.platformTypeRaw}${row.platformSubtype ? `/${row.platformSubtype}` : ''}，${row.ownerUnitName}）与第${first}行重复，同一账号只能出现一次`,
          ),
        );
        duplicate = true;
      } else {
        seenKey.set(key, row.rowNumber);
      }
    }
    if (row.serviceCode && !duplicate) {
      const first = seenServiceCode.get(row.serviceCode.toLowerCase());
      if (first !== undefined) {
        errors.push(rowError(row.rowNumber, header.label.get('serviceCode')!, `“${row.serviceCode}”与第${first}行重复，服务标识码不能重复`));
      } else {
        seenServiceCode.set(row.serviceCode.toLowerCase(), row.rowNumber);
      }
    }
    if (ok) rows.push(row);
  }
  if (errors.length === 0 && rows.length === 0) {
    errors.push({ rowNumber: null, message: `表头（第${header.rowNumber}行）下面没有任何账号数据行` });
  }
  return errors.length > 0 ? { errors } : { rows };
}

function parseRow(
  tableRow: TableRow,
  header: TableHeader<ColumnKey>,
  errors: RowError[],
): { row: AccountImportRow; ok: boolean } | undefined {
  const has = (key: ColumnKey): boolean => header.index.has(key);
  const get = (key: ColumnKey): string => {
    const i = header.index.get(key);
    return i === undefined ? '' : cleanText(tableRow.cells[i] ?? '');
  };
  if (COLUMNS.every((c) => get(c.key) === '')) return undefined;

  const n = tableRow.rowNumber;
  const before = errors.length;
  const col = (key: ColumnKey): string => header.label.get(key) ?? COLUMNS.find((c) => c.key === key)!.label;
  const fail = (key: ColumnKey, message: string): void => {
    errors.push(rowError(n, col(key), message));
  };
  const required = (key: ColumnKey, example: string): string => {
    const value = get(key);
    if (value === '') fail(key, `不能为空，例如 ${example}`);
    return value;
  };
  /** undefined: no such column; null: empty cell */
  const optional = (key: ColumnKey): string | null | undefined => (has(key) ? get(key) || null : undefined);
  /** an optional column read through a parser that reports its own errors */
  const parsed = <T>(key: ColumnKey, parse: (text: string) => T | null): T | null | undefined => {
    const text = optional(key);
    return text === undefined || text === null ? text : parse(text);
  };

  for (const spec of COLUMNS) {
    const value = get(spec.key);
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      fail(spec.key, `内容过长（${value.length}个字，最多${spec.maxLength}个）`);
    }
  }

  const name = required('name', '东岚发布');
  const platformRaw = required('platformType', '微信');
  let platformType: PlatformType = 'other';
  let subtypeFromType: string | null = null;
  let platformKnown = false;
  if (platformRaw !== '') {
    const platform = resolvePlatform(platformRaw);
    if (!platform) {
      fail('platformType', `无法识别“${platformRaw}”，可填写：${PLATFORM_CHOICES}`);
    } else {
      platformType = platform.type;
      subtypeFromType = platform.subtype;
      platformKnown = true;
    }
  }
  let platformSubtype = get('platformSubtype') || subtypeFromType;
  if (get('platformSubtype') !== '' && platformKnown) {
    const named = resolvePlatform(platformSubtype!);
    if (named && named.type !== platformType && !(platformType === 'wechat' && named.type === 'miniProgram')) {
      fail('platformSubtype', `“${platformSubtype}”不属于新媒体类型“${platformRaw}”，请核对这两列`);
    } else if (named?.subtype) {
      platformSubtype = named.subtype; // 微信视频号 → 视频号
    }
  }

  const ownerUnitName = required('ownerUnitName', '东岚区人民政府办公室');
  const filerUnitName = required('filerUnitName', '东岚区人民政府办公室');

  const openedRaw = required('openedOn', '2026-09-05');
  const openedOn = openedRaw === '' ? '' : (parseDate(openedRaw) ?? '');
  if (openedRaw !== '' && openedOn === '') fail('openedOn', dateMessage(openedRaw));

  const runRaw = required('runStatus', '正常运行');
  const runStatus = runRaw === '' ? null : resolveRunStatus(runRaw);
  if (runRaw !== '' && !runStatus) fail('runStatus', `无法识别“${runRaw}”，可填写：${labelsOf(RUN_STATUS_OPTIONS)}`);

  const filingStatus = parsed('filingStatus', (text) => {
    const value = resolveReviewStatus(text);
    if (!value) fail('filingStatus', `无法识别“${text}”，可填写：${labelsOf(FILING_REVIEW_STATUS_OPTIONS)}`);
    return value;
  });
  const operationMode = parsed('operationMode', (text) => {
    const value = resolveOperationMode(text);
    if (!value) fail('operationMode', `无法识别“${text}”，可填写：${labelsOf(OPERATION_MODE_OPTIONS)}`);
    return value;
  });
  const verification = parsed('verification', (text) => {
    const value = resolveVerification(text);
    if (!value) fail('verification', `无法识别“${text}”，可填写：${labelsOf(VERIFICATION_OPTIONS)}`);
    return value;
  });
  const basicFunctions = parsed('basicFunctions', (text) => {
    const { functions, unknown } = resolveBasicFunctions(text);
    if (unknown.length > 0) {
      fail('basicFunctions', `无法识别“${unknown.join('、')}”，可填写 发布、传播、互动、引导、办事 中的一项或几项，用“、”隔开`);
      return null;
    }
    return joinBasicFunctions(functions);
  });
  const inNationalSystem = parsed('inNationalSystem', (text) => {
    const value = resolveOption(YES_NO_OPTIONS, text);
    if (!value) fail('inNationalSystem', `无法识别“${text}”，可填写：是、否`);
    return value === null ? null : value === '是';
  });
  const dateColumn = (key: ColumnKey) =>
    parsed(key, (text) => {
      const value = parseDate(text);
      if (!value) fail(key, dateMessage(text));
      return value;
    });
  const timestampColumn = (key: ColumnKey) =>
    parsed(key, (text) => {
      const value = parseTimestamp(text);
      if (!value) fail(key, `无法识别时间“${text}”，请写成 2026-09-05 14:30（北京时间）`);
      return value;
    });
  const closedOn = dateColumn('closedOn');
  const submittedAt = timestampColumn('submittedAt');
  const reviewedAt = timestampColumn('reviewedAt');
  const managerMobile = parsed('managerMobile', (text) => {
    const value = normalizeMobile(text);
    if (!value) {
      fail(
        'managerMobile',
        /^\d(\.\d+)?E\+?\d+$/i.test(text)
          ? `“${text}”被 Excel 显示成了科学计数法，号码已丢失；请把该列设为“文本”格式后重新填写11位手机号`
          : `“${text}”不是11位手机号，例如 13900001234`,
      );
    }
    return value;
  });
  const followers = parsed('followers', (text) => {
    const value = parseCount(text);
    if (value === null) fail('followers', `“${text}”不是数字，请填写整数，例如 12800 或 1.2万`);
    return value;
  });
  const serviceCode = parsed('serviceCode', (text) => {
    const value = text.normalize('NFKC').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9_-]+$/.test(value)) {
      fail('serviceCode', `“${text}”只能由字母、数字、_ - 组成，例如 98decda5972b`);
      return null;
    }
    return value;
  });

  const row: AccountImportRow = {
    rowNumber: n,
    name,
    platformType,
    platformTypeRaw: platformRaw,
    platformSubtype: platformSubtype || null,
    ownerUnitName,
    filerUnitName,
    openedOn,
    runStatus: runStatus ?? 'active',
    runStatusRaw: runRaw,
  };
  const assign = <K extends keyof AccountImportRow>(key: K, value: AccountImportRow[K] | undefined): void => {
    if (value !== undefined) row[key] = value;
  };
  assign('serviceCode', serviceCode);
  assign('platformAccountId', optional('platformAccountId'));
  assign('url', optional('url'));
  assign('operationMode', operationMode);
  assign('operatorName', optional('operatorName'));
  assign('functionDescription', optional('functionDescription'));
  assign('basicFunctions', basicFunctions === '' ? null : basicFunctions);
  assign('verification', verification);
  if (filingStatus) row.filingStatus = filingStatus;
  assign('submittedAt', submittedAt);
  assign('reviewedAt', reviewedAt);
  assign('closedOn', closedOn);
  assign('closeReason', optional('closeReason'));
  assign('inNationalSystem', inNationalSystem);
  assign('managerName', optional('managerName'));
  assign('managerMobile', managerMobile);
  assign('principalName', optional('principalName'));
  assign('principalPhone', optional('principalPhone'));
  assign('leaderName', optional('leaderName'));
  assign('leaderPhone', optional('leaderPhone'));
  assign('followers', followers);
  assign('remarks', optional('remarks'));
  return { row, ok: errors.length === before };
}

function rowError(rowNumber: number, column: string, message: string): RowError {
  return { rowNumber, column, message: `第${rowNumber}行“${column}”：${message}` };
}

function dateMessage(text: string): string {
  return `无法识别日期“${text}”，请写成 2026-09-05、2026/9/5 或 2026年9月5日`;
}

// ---------------------------------------------------------------------------------------------------------------
// applyAccounts
// ---------------------------------------------------------------------------------------------------------------

/**
 * Writes validated rows in the caller's transaction. 填报单位 must be a unit of the roster (full or short name);
 * 开办单位 may be one (ownerUnitId) or not (a 事业单位: name kept, ownerUnitId null). An account already stored is
 * found by 服务标识码, else by (账号名称, 新媒体类型, 平台/账号细分, 开办单位) and updated in place, so importing the
 * same file twice changes nothing. Throws AccountImportError (every problem, by row) before writing anything.
 */
export async function applyAccounts(
  manager: EntityManager,
  rows: AccountImportRow[],
  params: { now: Date; actor: string; source?: string },
): Promise<AccountImportSummary> {
  const { now } = params;
  const units = await manager.getRepository(UnitEntity).find({ order: { id: 'ASC' } });
  const findUnit = unitFinder(units);
  const existing = await manager.getRepository(AccountEntity).find({ order: { id: 'ASC' } });
  const byServiceCode = new Map<string, AccountRow>();
  const byKey = new Map<string, AccountRow[]>();
  for (const account of existing) {
    if (account.serviceCode) byServiceCode.set(account.serviceCode.toLowerCase(), account);
    const key = accountKey(account);
    byKey.set(key, [...(byKey.get(key) ?? []), account]);
  }

  const errors: RowError[] = [];
  const claimed = new Map<number, number>();
  const plan: Array<{ row: AccountImportRow; filer: UnitRow; owner: UnitRow | null; target: AccountRow | null }> = [];
  for (const row of rows) {
    const filer = findUnit(row.filerUnitName);
    if (!filer) {
      errors.push(
        rowError(
          row.rowNumber,
          '填报单位',
          `单位名册中没有“${row.filerUnitName}”，请填写名册中的单位名称或简称，或先导入单位名册（import-units）`,
        ),
      );
      continue;
    }
    const owner = findUnit(row.ownerUnitName);
    const key = naturalKey(row.name, row.platformType, row.platformSubtype, ownerPart(owner?.id ?? null, row.ownerUnitName));
    const code = row.serviceCode?.toLowerCase();
    let target = code ? (byServiceCode.get(code) ?? null) : null;
    if (!target) {
      target =
        (byKey.get(key) ?? []).find((a) => !a.serviceCode || !code || a.serviceCode.toLowerCase() === code) ?? null;
    }
    if (target) {
      const first = claimed.get(target.id);
      if (first !== undefined) {
        errors.push(rowError(row.rowNumber, '账号名称', `与第${first}行是同一个账号（“${target.name}”），同一账号只能出现一次`));
        continue;
      }
      claimed.set(target.id, row.rowNumber);
    }
    plan.push({ row, filer, owner, target });
  }
  if (errors.length > 0) throw new AccountImportError(errors);

  const summary: AccountImportSummary = { created: 0, updated: 0, unchanged: 0 };
  const repo = manager.getRepository(AccountEntity);
  for (const { row, filer, owner, target } of plan) {
    const fields = accountFields(row, filer, owner);
    if (target) {
      const patch: Partial<AccountRow> = {};
      for (const [k, v] of Object.entries(fields) as Array<[keyof AccountRow, unknown]>) {
        if (v !== undefined && target[k] !== v) Object.assign(patch, { [k]: v });
      }
      if (Object.keys(patch).length === 0) {
        summary.unchanged++;
      } else {
        await updateAccount(manager, target, patch, now);
        summary.updated++;
      }
    } else {
      const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === undefined ? null : v]));
      await repo.insert({
        ...values,
        filingStatus: fields.filingStatus ?? 'approved',
        duplicateJustification: null,
        createdAt: now,
        updatedAt: now,
        rev: 1,
      } as Partial<AccountRow>);
      summary.created++;
    }
  }
  await manager.getRepository(AuditEntity).insert({
    actor: params.actor.slice(0, 128),
    action: 'accounts.import',
    subject: (params.source ?? null)?.slice(0, 191) ?? null,
    detail: JSON.stringify({ ...summary, rows: rows.length }),
    at: now,
  });
  return summary;
}

/** The stored fields a row sets; undefined: the file has no such column, keep what is stored. */
function accountFields(
  row: AccountImportRow,
  filer: UnitRow,
  owner: UnitRow | null,
): { [K in keyof AccountRow]?: AccountRow[K] } {
  return {
    serviceCode: row.serviceCode,
    name: row.name,
    platformType: row.platformType,
    platformTypeRaw: row.platformTypeRaw,
    platformSubtype: row.platformSubtype,
    platformAccountId: row.platformAccountId,
    url: row.url,
    ownerUnitId: owner?.id ?? null,
    ownerUnitName: row.ownerUnitName,
    filerUnitId: filer.id,
    operationMode: row.operationMode,
    operatorName: row.operatorName,
    functionDescription: row.functionDescription,
    basicFunctions: row.basicFunctions,
    verification: row.verification,
    openedOn: row.openedOn,
    runStatus: row.runStatus,
    runStatusRaw: row.runStatusRaw,
    filingStatus: row.filingStatus,
    closedOn: row.closedOn,
    closeReason: row.closeReason,
    inNationalSystem: row.inNationalSystem,
    managerName: row.managerName,
    managerMobile: row.managerMobile,
    principalName: row.principalName,
    principalPhone: row.principalPhone,
    leaderName: row.leaderName,
    leaderPhone: row.leaderPhone,
    followers: row.followers,
    remarks: row.remarks,
  };
}

/** Units by full name, then by short name (区发改局), spaces and full-width forms ignored. */
function unitFinder(units: UnitRow[]): (name: string) => UnitRow | null {
  const byName = new Map<string, UnitRow>();
  const byShort = new Map<string, UnitRow>();
  for (const u of units) {
    byName.set(normalizeTerm(u.name), u);
    if (u.shortName) byShort.set(normalizeTerm(u.shortName), u);
  }
  return (name) => {
    const term = normalizeTerm(name);
    return byName.get(term) ?? byShort.get(term) ?? null;
  };
}

const ownerPart = (ownerUnitId: number | null, ownerUnitName: string): string =>
  ownerUnitId !== null ? `unit:${ownerUnitId}` : `name:${normalizeTerm(ownerUnitName)}`;

function accountKey(a: AccountRow): string {
  return naturalKey(a.name, a.platformType, a.platformSubtype, ownerPart(a.ownerUnitId, a.ownerUnitName));
}

/** (账号名称, 新媒体类型, 平台/账号细分, 开办单位) */
function naturalKey(name: string, platformType: PlatformType, subtype: string | null, owner: string): string {
  return [normalizeTerm(name), platformType, normalizeTerm(subtype ?? ''), owner].join('\u0000');
}

// ---------------------------------------------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------------------------------------------

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A date cell as YYYY-MM-DD: 2026-09-05, 2026/9/5, 2026.9.5, 2026年9月5日, 20260905 or an Excel serial (46270);
 * a time after the date is ignored. Null when it names no calendar date.
 */
export function parseDate(raw: string): string | null {
  const text = raw.normalize('NFKC').trim();
  const serial = /^(\d{5})(?:\.\d+)?$/.exec(text);
  if (serial) return new Date(EXCEL_EPOCH_MS + Number(serial[1]) * DAY_MS).toISOString().slice(0, 10);
  const m =
    /^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text) ??
    /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidYmd(year, month, day) ? ymd(year, month, day) : null;
}

/**
 * A timestamp cell in Beijing time (2026-11-18 10:42, 2026/11/18 10:42:05, 2026年11月18日 10:42, an Excel serial
 * with a fraction; a bare date is midnight) as an instant. Null when it cannot be read.
 */
export function parseTimestamp(raw: string): Date | null {
  const text = raw.normalize('NFKC').trim();
  const serial = /^\d{5}(?:\.\d+)?$/.exec(text);
  if (serial) {
    // the serial counts days of the sheet's wall clock, which is Beijing time
    const wall = Math.round((EXCEL_EPOCH_MS + Number(text) * DAY_MS) / 60000) * 60000;
    return new Date(wall - 8 * 60 * 60 * 1000);
  }
  const m = /^(.*?)(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) return null;
  const date = parseDate(m[1]);
  if (!date || /\d{1,2}:\d{2}/.test(m[1])) return null;
  const [hour, minute, second] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const hh = String(hour).padStart(2, '0');
  const mm = String(minute).padStart(2, '0');
  const ss = String(second).padStart(2, '0');
  return shanghaiInstant(date, `${hh}:${mm}:${ss}`);
}

/** 12800, 12,800, 1.2万 → an integer; null when not a count. */
function parseCount(raw: string): number | null {
  const text = raw.normalize('NFKC').replace(/[,\s]/g, '');
  const m = /^(\d+(?:\.\d+)?)(万)?$/.exec(text);
  if (!m) return null;
  const value = Number(m[1]) * (m[2] ? 10000 : 1);
  return Number.isSafeInteger(Math.round(value)) && (m[2] || Number.isInteger(value)) ? Math.round(value) : null;
}

