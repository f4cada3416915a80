import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { cleanCell as cleanText, findHeader, headerLookup, type ColumnSpec as TableColumn, type HeaderMatch as TableHeader } from '../tables/table-header';

/**
 * Reading the unit roster (单位名册, units.csv / .xlsx) that the office keeps in Excel. Pure: bytes in, rows or
 * row-numbered errors out; nothing is stored here (see roster-import.ts).
 */

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** One non-empty row of a spreadsheet, with the row number the spreadsheet shows (1-based). */
export interface TableRow {
  rowNumber: number;
  /** cell texts from the first column on; cells beyond the last filled one are absent */
  cells: string[];
}

/** The non-empty rows of a CSV file or of the first worksheet of an XLSX file, title and header rows included. */
export interface TableRows {
  format: 'csv' | 'xlsx';
  /** XLSX only: the worksheet read */
  sheetName?: string;
  rows: TableRow[];
}

export type RosterUnitType = '镇' | '街道' | '部门' | '开发区' | '管委会';
export type RosterSystemRole = 'organizer' | 'filer';

export interface RosterPerson {
  name: string;
  title?: string;
  wecomUserId?: string;
}

export interface RosterRow {
  /** the row number the spreadsheet shows */
  rowNumber: number;
  code: string;
  name: string;
  shortName?: string;
  unitType: RosterUnitType;
  parentName?: string;
  /** organizer (组织单位) first, then filer (填报单位) */
  systemRoles: RosterSystemRole[];
  /** the cell as written, e.g. 组织单位、填报单位 */
  systemRolesRaw: string;
  liaison: RosterPerson & { mobile?: string; officePhone?: string };
  leader?: RosterPerson;
  remarks?: string;
}

/** A problem in the file, in Chinese for the office staff. rowNumber is null for problems of the whole file. */
export interface RowError {
  rowNumber: number | null;
  /** the column header as written in the file */
  column?: string;
  message: string;
}

export type RosterFileErrorCode =
  | 'empty-file'
  | 'not-utf8'
  | 'legacy-xls'
  | 'invalid-xlsx'
  | 'no-worksheet'
  | 'invalid-csv';

/** The file cannot be read as a table at all. The message is for the user: Chinese first, then English. */
export class RosterFileError extends Error {
  constructor(
    readonly code: RosterFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RosterFileError';
  }
}

export const ROSTER_UNIT_TYPES: readonly RosterUnitType[] = ['镇', '街道', '部门', '开发区', '管委会'];

// ---------------------------------------------------------------------------------------------------------------
// readTable
// ---------------------------------------------------------------------------------------------------------------

const SAVE_AS_HINT = '请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）(*.csv)”或“Excel 工作簿 (*.xlsx)”后重新上传';
const SAVE_AS_HINT_EN = 'save it in Excel as "CSV UTF-8 (Comma delimited)" or as an Excel workbook (.xlsx) and upload it again';

/** Reads a CSV (UTF-8 with or without BOM) or XLSX file into its non-empty rows. Rejects with a RosterFileError. */
export async function readTable(buffer: Buffer, fileName: string): Promise<TableRows> {
  if (buffer.length === 0) {
    throw new RosterFileError('empty-file', `文件“${fileName}”是空的。（The file is empty.）`);
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName.trim())?.[1]?.toLowerCase() ?? '';
  if (startsWith(buffer, [0x50, 0x4b])) return readXlsx(buffer, fileName);
  if (startsWith(buffer, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new RosterFileError(
      'legacy-xls',
      `文件“${fileName}”是旧版 Excel（.xls）或设置了打开密码的文件，无法读取。请取消密码，${SAVE_AS_HINT}。` +
        `（Old .xls format or a password-protected workbook: remove the password and ${SAVE_AS_HINT_EN}.）`,
    );
  }
  if (extension === 'xlsx' || extension === 'xlsm' || extension === 'xls') {
    throw new RosterFileError(
      'invalid-xlsx',
      `文件“${fileName}”不是有效的 Excel 工作簿，可能只是改了扩展名。${SAVE_AS_HINT}。` +
        `（The file is not a valid Excel workbook; ${SAVE_AS_HINT_EN}.）`,
    );
  }
  return readCsv(buffer, fileName);
}

function startsWith(buffer: Buffer, bytes: number[]): boolean {
  return buffer.length >= bytes.length && bytes.every((b, i) => buffer[i] === b);
}

function readCsv(buffer: Buffer, fileName: string): TableRows {
  const text = decodeText(buffer, fileName);
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  let records: string[][];
  try {
    records = parseCsv(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    });
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    throw new RosterFileError(
      'invalid-csv',
      `文件“${fileName}”不是有效的 CSV${typeof line === 'number' ? `（第${line}行附近引号不配对）` : ''}。${SAVE_AS_HINT}。` +
        `（The CSV cannot be parsed${typeof line === 'number' ? ` near line ${line}` : ''}: ` +
        `${err instanceof Error ? err.message : String(err)}.）`,
    );
  }
  // Each CSV record is one spreadsheet row, so its index is the row number the office sees in Excel.
  const rows: TableRow[] = [];
  records.forEach((cells, index) => {
    if (cells.some((c) => c.trim() !== '')) rows.push({ rowNumber: index + 1, cells });
  });
  return { format: 'csv', rows };
}

function decodeText(buffer: Buffer, fileName: string): string {
  if (startsWith(buffer, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(buffer.subarray(2));
  if (startsWith(buffer, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(buffer.subarray(2));
  const body = startsWith(buffer, [0xef, 0xbb, 0xbf]) ? buffer.subarray(3) : buffer;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const gbk = looksLikeGbk(body);
    throw new RosterFileError(
      'not-utf8',
      `文件“${fileName}”不是 UTF-8 编码${gbk ? '（看起来是旧版 Excel 保存的 GBK 编码）' : ''}，` +
        `中文会变成乱码。${SAVE_AS_HINT}。` +
        `（The file is not UTF-8${gbk ? ', it looks like GBK from an old Excel' : ''}; ${SAVE_AS_HINT_EN}.）`,
    );
  }
}

function looksLikeGbk(bytes: Buffer): boolean {
  try {
    new TextDecoder('gb18030', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

async function readXlsx(buffer: Buffer, fileName: string): Promise<TableRows> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own Buffer type (an ArrayBuffer); at run time it takes a Node Buffer
    await workbook.xlsx.load(buffer as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  } catch (err) {
    throw new RosterFileError(
      'invalid-xlsx',
      `文件“${fileName}”无法作为 Excel 工作簿打开，可能已损坏。${SAVE_AS_HINT}。` +
        `（The workbook cannot be opened: ${err instanceof Error ? err.message : String(err)}; ${SAVE_AS_HINT_EN}.）`,
    );
  }
  const sheet = workbook.worksheets.find((ws) => ws.state !== 'hidden' && ws.state !== 'veryHidden');
  if (!sheet) {
    throw new RosterFileError('no-worksheet', `文件“${fileName}”中没有工作表。（The workbook has no worksheet.）`);
  }
  const rows: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let column = 1; column <= row.cellCount; column++) cells.push(cellText(row.getCell(column).value));
    while (cells.length > 0 && cells[cells.length - 1].trim() === '') cells.pop();
    if (cells.some((c) => c.trim() !== '')) rows.push({ rowNumber, cells });
  });
  return { format: 'xlsx', sheetName: sheet.name, rows };
}

/** The text a cell shows: integers without exponent or decimals, dates as YYYY-MM-DD, formulas by their result. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) {
      return v.richText.map((part: { text?: unknown }) => String(part.text ?? '')).join('');
    }
    if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
    if ('error' in v) return String(v.error);
  }
  return String(value);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(Number(n.toPrecision(15))); // Excel shows 15 significant digits
}

function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  // exceljs gives the wall-clock time of the sheet as UTC
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) return day;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

// ---------------------------------------------------------------------------------------------------------------
// parseRoster
// ---------------------------------------------------------------------------------------------------------------

type ColumnKey =
  | 'code'
  | 'name'
  | 'shortName'
  | 'unitType'
  | 'parentName'
  | 'systemRoles'
  | 'liaisonName'
  | 'liaisonTitle'
  | 'liaisonUserId'
  | 'liaisonMobile'
  | 'officePhone'
  | 'leaderName'
  | 'leaderTitle'
  | 'leaderUserId'
  | 'remarks';

type ColumnSpec = TableColumn<ColumnKey>;

const COLUMNS: readonly ColumnSpec[] = [
  { key: 'code', label: '单位编码', required: true, synonyms: ['单位代码', '编码'] },
  { key: 'name', label: '单位名称', required: true, synonyms: ['单位全称', '单位名'] },
  { key: 'shortName', label: '单位简称', required: false, synonyms: ['简称'] },
  { key: 'unitType', label: '单位类型', required: true, synonyms: ['类型', '单位类别'] },
  {
    key: 'parentName',
    label: '上级单位',
    required: false,
    synonyms: ['上级单位名称', '代管部门', '上级单位/代管部门', '主管部门', '主管单位'],
  },
  { key: 'systemRoles', label: '系统角色', required: true, synonyms: ['角色', '单位角色'] },
  {
    key: 'liaisonName',
    label: '联络员姓名',
    required: true,
    synonyms: ['联络员', '联系人', '联系人姓名', '填报人', '填报人姓名'],
  },
  { key: 'liaisonTitle', label: '联络员职务', required: false, synonyms: ['联系人职务', '填报人职务'] },
  {
    key: 'liaisonUserId',
    label: '联络员企业微信账号',
    required: false,
    synonyms: [
      '联络员企业微信',
      '联络员企业微信ID',
      '联络员企业微信userid',
      '联络员政务微信账号',
      '联络员政务微信',
      '联络员userid',
      '联系人企业微信账号',
      '企业微信账号',
      '企业微信',
      '企业微信ID',
      '政务微信账号',
      'userid',
    ],
  },
  {
    key: 'liaisonMobile',
    label: '联络员手机号',
    required: false,
    synonyms: ['联络员手机', '联络员电话', '联络员手机号码', '联络员联系电话', '联系人手机号', '联系人电话', '手机号', '手机号码', '手机'],
  },
  {
    key: 'officePhone',
    label: '办公电话',
    required: false,
    synonyms: ['联络员办公电话', '固定电话', '联络员固定电话', '座机', '办公室电话'],
  },
  { key: 'leaderName', label: '分管负责人', required: false, synonyms: ['分管负责人姓名', '分管领导', '分管领导姓名'] },
  { key: 'leaderTitle', label: '分管负责人职务', required: false, synonyms: ['分管领导职务'] },
  {
    key: 'leaderUserId',
    label: '分管负责人企业微信账号',
    required: false,
    synonyms: [
      '分管负责人企业微信',
      '分管负责人企业微信ID',
      '分管负责人政务微信账号',
      '分管负责人userid',
      '分管领导企业微信账号',
      '分管领导企业微信',
      '分管领导企业微信ID',
      '分管领导政务微信账号',
      '分管领导userid',
    ],
  },
  { key: 'remarks', label: '备注', required: false, synonyms: ['说明'] },
];

const HEADER_LOOKUP = headerLookup<ColumnKey, ColumnSpec>(COLUMNS);

const ROLE_LABELS = new Map<string, RosterSystemRole>([
  ['组织单位', 'organizer'],
  ['填报单位', 'filer'],
]);

const MAX_LENGTH: Partial<Record<ColumnKey, number>> = {
  code: 64,
  name: 100,
  shortName: 50,
  parentName: 100,
  systemRoles: 64,
  liaisonName: 64,
  liaisonTitle: 128,
  leaderName: 64,
  leaderTitle: 128,
};

const EXAMPLES: Record<ColumnKey, string> = {
  code: 'DL001',
  name: '东岚区发展和改革局',
  shortName: '区发改局',
  unitType: '部门',
  parentName: '东岚区人民政府',
  systemRoles: '填报单位',
  liaisonName: '钟雨桐',
  liaisonTitle: '办公室科员',
  liaisonUserId: 'zhongyutong',
  liaisonMobile: '13900001234',
  officePhone: '0123-6800001',
  leaderName: '崔建民',
  leaderTitle: '副局长',
  leaderUserId: 'cuijianmin',
  remarks: '',
};

/**
 * Maps the table to roster rows by header name (any column order, common synonyms accepted, title rows above the
 * header allowed). Collects every problem of every row; returns either all rows or all errors.
 */
export function parseRoster(table: TableRows): { rows: RosterRow[] } | { errors: RowError[] } {
  const header = findHeader<ColumnKey, ColumnSpec>(table.rows, COLUMNS, HEADER_LOOKUP, '单位名册');
  if ('errors' in header) return header;
  if (header.duplicates.length > 0) return { errors: header.duplicates };

  const errors: RowError[] = [];
  const rows: RosterRow[] = [];
  const seenCode = new Map<string, number>();
  const seenName = new Map<string, number>();
  const seenShortName = new Map<string, number>();
  const seenUserId = new Map<string, { name: string; rowNumber: number }>();

  for (const tableRow of table.rows) {
    if (tableRow.rowNumber <= header.rowNumber) continue;
    const result = parseRow(tableRow, header, errors);
    if (!result) continue;
    const parsed = result.row;

    // Duplicates are looked for in rows with other problems too, so one upload shows everything to fix.
    if (parsed.code) checkUnique(parsed.code.toUpperCase(), 'code', parsed, seenCode, header, errors, '单位编码');
    if (parsed.name) checkUnique(parsed.name, 'name', parsed, seenName, header, errors, '单位名称');
    if (parsed.shortName) checkUnique(parsed.shortName, 'shortName', parsed, seenShortName, header, errors, '单位简称');
    const people: Array<[RosterPerson | undefined, ColumnKey]> = [
      [parsed.liaison, 'liaisonUserId'],
      [parsed.leader, 'leaderUserId'],
    ];
    for (const [person, column] of people) {
      if (!person?.name || !person.wecomUserId) continue;
      const key = person.wecomUserId.toLowerCase();
      const first = seenUserId.get(key);
      if (!first) {
        seenUserId.set(key, { name: person.name, rowNumber: parsed.rowNumber });
      } else if (first.name !== person.name) {
        errors.push(
          rowError(
            parsed.rowNumber,
            header.label.get(column)!,
            `“${person.wecomUserId}” 在第${first.rowNumber}行已是“${first.name}”的企业微信账号，不能再给“${person.name}”使用；` +
              '同一个账号只能对应一个人，请核对后改正',
          ),
        );
      }
    }
    if (result.ok) rows.push(parsed);
  }

  if (errors.length === 0 && rows.length === 0) {
    errors.push({ rowNumber: null, message: `表头（第${header.rowNumber}行）下面没有任何单位数据行` });
  }
  return errors.length > 0 ? { errors } : { rows };
}

/** The row as far as it could be read, and whether it had no problems. Undefined for a blank row. */
function parseRow(
  row: TableRow,
  header: TableHeader<ColumnKey>,
  errors: RowError[],
): { row: RosterRow; ok: boolean } | undefined {
  const get = (key: ColumnKey): string => {
    const i = header.index.get(key);
    return i === undefined ? '' : cleanText(row.cells[i] ?? '');
  };
  // A row with nothing in the roster's columns (e.g. a template row with only 序号 filled) is not a unit.
  if (COLUMNS.every((c) => get(c.key) === '')) return undefined;

  const n = row.rowNumber;
  const errorCountBefore = errors.length;
  const col = (key: ColumnKey): string => header.label.get(key) ?? COLUMNS.find((c) => c.key === key)!.label;
  const fail = (key: ColumnKey, message: string): void => {
    errors.push(rowError(n, col(key), message));
  };
  const required = (key: ColumnKey): string => {
    const value = get(key);
    if (value === '') fail(key, `不能为空，例如 ${EXAMPLES[key]}`);
    return value;
  };
  const optional = (key: ColumnKey): string | undefined => get(key) || undefined;

  for (const [key, max] of Object.entries(MAX_LENGTH) as Array<[ColumnKey, number]>) {
    const value = get(key);
    if (value.length > max) fail(key, `内容过长（${value.length}个字，最多${max}个），例如 ${EXAMPLES[key]}`);
  }

  const code = halfWidth(required('code'));
  if (code !== '' && !/^[A-Za-z0-9_.-]+$/.test(code)) {
    fail('code', `“${code}” 只能由字母、数字、_ . - 组成，例如 DL001`);
  }
  const name = required('name');
  const unitTypeRaw = required('unitType');
  if (unitTypeRaw !== '' && !(ROSTER_UNIT_TYPES as readonly string[]).includes(unitTypeRaw)) {
    fail('unitType', `“${unitTypeRaw}” 不是允许的单位类型，应为 ${ROSTER_UNIT_TYPES.join('、')} 之一`);
  }

  const systemRolesRaw = required('systemRoles');
  const roles = new Set<RosterSystemRole>();
  if (systemRolesRaw !== '') {
    const parts = systemRolesRaw.split(/[、,，;；/\s]+/).filter((p) => p !== '');
    const unknown = parts.filter((p) => !ROLE_LABELS.has(p));
    if (unknown.length > 0) {
      fail(
        'systemRoles',
        `“${unknown.join('、')}” 不是允许的系统角色，应为 组织单位、填报单位 之一，两者都是时用“、”隔开，例如 组织单位、填报单位`,
      );
    }
    for (const p of parts) {
      const role = ROLE_LABELS.get(p);
      if (role) roles.add(role);
    }
  }

  const liaisonName = required('liaisonName');
  const liaisonUserId = userId(get('liaisonUserId'), 'liaisonUserId', fail);
  const mobile = mobileNumber(get('liaisonMobile'), fail);
  const officePhone = officePhoneNumber(get('officePhone'), fail);

  const leaderName = optional('leaderName');
  const leaderTitle = optional('leaderTitle');
  const leaderUserId = userId(get('leaderUserId'), 'leaderUserId', fail);
  if (!leaderName && (leaderTitle || leaderUserId)) {
    fail('leaderName', `填写了分管负责人的职务或企业微信账号，但姓名为空，请补上姓名，例如 ${EXAMPLES.leaderName}`);
  }

  const result: RosterRow = {
    rowNumber: n,
    code,
    name,
    unitType: unitTypeRaw as RosterUnitType,
    systemRoles: (['organizer', 'filer'] as const).filter((r) => roles.has(r)),
    systemRolesRaw,
    liaison: { name: liaisonName },
  };
  const shortName = optional('shortName');
  if (shortName) result.shortName = shortName;
  const parentName = optional('parentName');
  if (parentName) result.parentName = parentName;
  const liaisonTitle = optional('liaisonTitle');
  if (liaisonTitle) result.liaison.title = liaisonTitle;
  if (liaisonUserId) result.liaison.wecomUserId = liaisonUserId;
  if (mobile) result.liaison.mobile = mobile;
  if (officePhone) result.liaison.officePhone = officePhone;
  if (leaderName) {
    result.leader = { name: leaderName };
    if (leaderTitle) result.leader.title = leaderTitle;
    if (leaderUserId) result.leader.wecomUserId = leaderUserId;
  }
  const remarks = optional('remarks');
  if (remarks) result.remarks = remarks;
  return { row: result, ok: errors.length === errorCountBefore };
}

function checkUnique(
  key: string,
  column: ColumnKey,
  row: RosterRow,
  seen: Map<string, number>,
  header: TableHeader<ColumnKey>,
  errors: RowError[],
  what: string,
): void {
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, row.rowNumber);
    return;
  }
  const value = column === 'code' ? row.code : column === 'name' ? row.name : (row.shortName ?? '');
  errors.push(
    rowError(row.rowNumber, header.label.get(column)!, `“${value}” 与第${first}行重复，每个${what}只能出现一次`),
  );
}

function userId(raw: string, key: ColumnKey, fail: (key: ColumnKey, message: string) => void): string | undefined {
  if (raw === '') return undefined;
  const value = halfWidth(raw).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(value)) {
    fail(
      key,
      `“${raw}” 不是有效的企业微信账号（userid：1–64位字母、数字或 _ . @ -，不是姓名或手机号），例如 ${EXAMPLES[key]}；尚未开通可留空`,
    );
    return undefined;
  }
  return value;
}

function mobileNumber(raw: string, fail: (key: ColumnKey, message: string) => void): string | undefined {
  if (raw === '') return undefined;
  let digits = halfWidth(raw).replace(/[\s\-—–()（）]/g, '');
  if (/^\+?86\d{11}$/.test(digits)) digits = digits.replace(/^\+?86/, '');
  if (/^1\d{10}$/.test(digits)) return digits;
  if (/^\d(\.\d+)?E\+?\d+$/i.test(digits)) {
    fail(
      'liaisonMobile',
      `“${raw}” 被 Excel 显示成了科学计数法，号码已丢失；请把该列设为“文本”格式后重新填写11位手机号，例如 13900001234`,
    );
    return undefined;
  }
  fail('liaisonMobile', `“${raw}” 不是11位手机号，例如 13900001234`);
  return undefined;
}

function officePhoneNumber(raw: string, fail: (key: ColumnKey, message: string) => void): string | undefined {
  if (raw === '') return undefined;
  const normalized = normalizeOfficePhone(raw);
  if (normalized) return normalized;
  fail('officePhone', `“${raw}” 不是带区号的固定电话，例如 0123-6800001`);
  return undefined;
}

/** 0123-6800001 from "0123-6800001", "0123 6800001", "(0123)6800001", "01236800001"; extension as 转801. */
function normalizeOfficePhone(raw: string): string | undefined {
  let text = halfWidth(raw).trim();
  let extension = '';
  const ext = /^(.*?)\s*(?:转|分机|ext\.?|x)\s*(\d{1,6})$/i.exec(text);
  if (ext) {
    text = ext[1];
    extension = ext[2];
  }
  text = text.replace(/^\(\s*(\d+)\s*\)\s*/, '$1-');
  if (!/^[\d\s\-—–]+$/.test(text)) return undefined;
  const groups = text.split(/[\s\-—–]+/).filter((g) => g !== '');
  let area: string;
  let number: string;
  if (groups.length >= 2 && /^0\d{2,3}$/.test(groups[0])) {
    area = groups[0];
    const rest = groups.slice(1);
    number = rest.join('');
    if (!/^\d{7,8}$/.test(number) && !extension && rest.length >= 2 && /^\d{1,6}$/.test(rest[rest.length - 1])) {
      extension = rest[rest.length - 1];
      number = rest.slice(0, -1).join('');
    }
  } else {
    const digits = groups.join('');
    if (!/^0\d{9,11}$/.test(digits)) return undefined;
    const areaLength = /^0(10|2\d)/.test(digits) ? 3 : 4;
    area = digits.slice(0, areaLength);
    number = digits.slice(areaLength);
  }
  if (!/^\d{7,8}$/.test(number)) return undefined;
  return `${area}-${number}${extension ? `转${extension}` : ''}`;
}

function rowError(rowNumber: number, column: string, message: string): RowError {
  return { rowNumber, column, message: `第${rowNumber}行「${column}」：${message}` };
}

/** Full-width ASCII (ＤＬ００１, ＠, －) to half-width, for codes, userids and phone numbers. */
function halfWidth(value: string): string {
  return value
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');
}

