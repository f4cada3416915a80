import type { RowError, TableRow, TableRows } from '../roster/roster-file';
import { cleanCell, findHeader, headerLookup, type ColumnSpec } from '../tables/table-header';
import { cleanName, splitPlatformLabel, type PlatformLabel } from './inspection-normalize';

/**
 * Reading an inspection result table (DOMAIN §2.7) in the shapes offices use: the fixture (序号 · 账号名称 · 账号类型 ·
 * 开设单位 · 是否合格 · 主要问题), S0 检查结果信息表 (a 填报单位/填表人/联系电话 block above; 新媒体类型 · 新媒体名称 · 开设单位 ·
 * 是否合格 · 存在的突出问题(仅不合格的填写) · 整改情况), S2 (政务新媒体类型 · 账号 · 主管/主办单位 · 合格情况 · 存在问题) and
 * the S4 failure list (no 是否合格 column: every row failed). Pure: a table in, rows or row-numbered Chinese errors
 * out. Columns by header name in any order; title rows above the header; a header merged across columns (the same
 * text in neighbouring cells) counts once; merged unit cells arrive filled in (readTable repeats the value); blank
 * rows are skipped.
 */

type ColumnKey = 'rowNo' | 'name' | 'platform' | 'unit' | 'qualified' | 'problems' | 'rectification';

const COLUMNS: readonly ColumnSpec<ColumnKey>[] = [
  { key: 'rowNo', label: '序号', required: false, synonyms: ['编号', '序'] },
  {
    key: 'name',
    label: '账号名称',
    required: true,
    synonyms: ['新媒体名称', '政务新媒体名称', '账号', '名称', '账号名', '政务新媒体账号', '新媒体账号名称', '政务新媒体账号名称'],
  },
  {
    key: 'platform',
    label: '账号类型',
    required: true,
    synonyms: ['新媒体类型', '政务新媒体类型', '平台', '渠道', '运行平台', '账号平台', '平台名称', '类型'],
  },
  {
    key: 'unit',
    label: '开设单位',
    required: true,
    synonyms: ['开办单位', '主管/主办单位', '主管主办单位', '主办单位', '主管单位', '主办/主管单位', '开设主体', '认证主体', '运营主体', '单位名称', '单位'],
  },
  { key: 'qualified', label: '是否合格', required: false, synonyms: ['合格情况', '检查结果', '是否达标', '合格与否', '检查结论', '结果'] },
  {
    key: 'problems',
    label: '主要问题',
    required: false,
    synonyms: ['存在的突出问题', '存在问题', '存在的问题', '突出问题', '问题', '发现的问题', '检查发现的问题', '主要问题及扣分情况'],
  },
  { key: 'rectification', label: '整改情况', required: false, synonyms: ['整改措施', '整改落实情况'] },
];

const LOOKUP = headerLookup<ColumnKey, ColumnSpec<ColumnKey>>(COLUMNS);

/** One data row of the table. A row naming two platforms (抖音、快手) keeps both in `platforms`. */
export interface InspectionTableRow {
  /** the spreadsheet row number (for messages) */
  rowNumber: number;
  /** 序号 as written, when it is a number; else the spreadsheet row number */
  rowNo: number;
  accountName: string;
  platformRaw: string;
  platforms: PlatformLabel[];
  /** pieces of the type cell that name no known platform */
  unknownPlatforms: string[];
  unitName: string;
  /** 是否合格 as the table says; a failure-only table means false */
  qualified: boolean;
  problemsRaw: string | null;
  rectificationRaw: string | null;
}

export interface InspectionTable {
  /** 'results': the table has 是否合格 · 'failures': a failure list (S4), every row failed */
  shape: 'results' | 'failures';
  headerRowNumber: number;
  /** the headers as written, by meaning */
  headers: Partial<Record<ColumnKey, string>>;
  rows: InspectionTableRow[];
}

const PASS_WORDS = new Set(['合格', '是', '达标', '通过', '√', '✓', 'y', 'yes', '合格(已整改)']);
const FAIL_WORDS = new Set(['不合格', '否', '不达标', '未通过', '×', '✗', 'n', 'no', '单项否决']);

/** 合格 → true, 不合格 → false, anything else null. */
export function parseQualified(raw: string): boolean | null {
  const text = raw.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  if (PASS_WORDS.has(text)) return true;
  if (FAIL_WORDS.has(text)) return false;
  return null;
}

/**
 * The table's rows, or every problem that stops the import (all or nothing): missing columns, rows without a name,
 * a type or a unit, a 是否合格 that is neither 合格 nor 不合格, no data rows. Unknown type labels and units are not
 * errors here: such rows wait for an admin (the 待确认 queue).
 */
export function parseInspectionTable(table: TableRows): InspectionTable | { errors: RowError[] } {
  // a header merged across columns repeats its text: blank the repeats so the header finder sees it once
  const headerView: TableRow[] = table.rows.map((row) => ({
    rowNumber: row.rowNumber,
    cells: row.cells.map((cell, i) => (i > 0 && cleanCell(cell) !== '' && cleanCell(cell) === cleanCell(row.cells[i - 1] ?? '') ? '' : cell)),
  }));
  const header = findHeader<ColumnKey, ColumnSpec<ColumnKey>>(headerView, COLUMNS, LOOKUP, '检查结果信息表');
  if ('errors' in header) return { errors: header.errors.map(withFileHint) };
  if (header.duplicates.length > 0) return { errors: header.duplicates };
  if (!header.index.has('qualified') && !header.index.has('problems')) {
    return {
      errors: [
        {
          rowNumber: header.rowNumber,
          column: '是否合格',
          message:
            `第${header.rowNumber}行表头中既没有「是否合格」（或 合格情况）列，也没有「主要问题」（或 存在问题）列，无法判断检查结果。` +
            '请加上“是否合格”列（填 合格 / 不合格）；只列不合格账号的表格请保留“主要问题”列。',
        },
      ],
    };
  }
  const shape = header.index.has('qualified') ? 'results' : 'failures';
  const get = (row: TableRow, key: ColumnKey): string => {
    const i = header.index.get(key);
    return i === undefined ? '' : cleanCell(row.cells[i] ?? '');
  };
  const label = (key: ColumnKey): string => header.label.get(key) ?? COLUMNS.find((c) => c.key === key)!.label;
  const errors: RowError[] = [];
  const rows: InspectionTableRow[] = [];
  for (const row of table.rows) {
    if (row.rowNumber <= header.rowNumber) continue;
    const name = cleanName(get(row, 'name'));
    const platformRaw = cleanName(get(row, 'platform'));
    const unitName = cleanName(get(row, 'unit'));
    const qualifiedRaw = get(row, 'qualified');
    const problemsRaw = cleanName(get(row, 'problems'));
    // a row with nothing that matters (only 序号, or a repeated merged value alone) is not an account
    if (name === '' && platformRaw === '' && qualifiedRaw === '' && problemsRaw === '') continue;
    if (isRepeatedHeader(row, header.index, get)) continue;
    const n = row.rowNumber;
    const fail = (key: ColumnKey, message: string): void => {
      errors.push({ rowNumber: n, column: label(key), message: `第${n}行“${label(key)}”：${message}` });
    };
    if (name === '') fail('name', '不能为空，请填写账号名称，例如 东岚发布');
    if (platformRaw === '') fail('platform', '不能为空，请填写账号类型，例如 微信公众号、抖音');
    if (unitName === '') fail('unit', '不能为空，请填写开设单位，例如 东岚区人民政府办公室');
    let qualified = false;
    if (shape === 'results') {
      const parsed = parseQualified(qualifiedRaw);
      if (parsed === null) {
        fail('qualified', qualifiedRaw === '' ? '不能为空，请填写 合格 或 不合格' : `无法识别“${qualifiedRaw}”，请填写 合格 或 不合格`);
      } else {
        qualified = parsed;
      }
    } else if (problemsRaw === '') {
      fail('problems', '这是只列不合格账号的表格（没有“是否合格”列），每一行都要写明存在的问题');
    }
    if (name.length > 191) fail('name', `内容过长（${name.length}个字，最多191个）`);
    if (unitName.length > 191) fail('unit', `内容过长（${unitName.length}个字，最多191个）`);
    if (platformRaw.length > 64) fail('platform', `内容过长（${platformRaw.length}个字，最多64个）`);
    const { platforms, unknown } = splitPlatformLabel(platformRaw);
    const rowNoText = get(row, 'rowNo').normalize('NFKC');
    rows.push({
      rowNumber: n,
      rowNo: /^\d{1,9}$/.test(rowNoText) ? Number(rowNoText) : n,
      accountName: name,
      platformRaw,
      platforms,
      unknownPlatforms: unknown,
      unitName,
      qualified,
      problemsRaw: problemsRaw === '' ? null : problemsRaw,
      rectificationRaw: cleanName(get(row, 'rectification')) || null,
    });
  }
  if (errors.length === 0 && rows.length === 0) {
    errors.push({ rowNumber: null, message: `表头（第${header.rowNumber}行）下面没有任何账号数据行，请在表头下逐行填写检查结果` });
  }
  if (errors.length > 0) return { errors };
  const headers: Partial<Record<ColumnKey, string>> = {};
  for (const [key, text] of header.label) headers[key] = text;
  return { shape, headerRowNumber: header.rowNumber, headers, rows };
}

/** A second header row (a table pasted twice, or a header repeated on every printed page). */
function isRepeatedHeader(row: TableRow, index: Map<ColumnKey, number>, get: (row: TableRow, key: ColumnKey) => string): boolean {
  const name = get(row, 'name');
  const unit = get(row, 'unit');
  return LOOKUP.get(normalize(name))?.key === 'name' && LOOKUP.get(normalize(unit))?.key === 'unit' && index.has('name');
}

function normalize(text: string): string {
  return text.normalize('NFKC').replace(/[\s*]/g, '').replace(/\([^)]*\)$/, '').toLowerCase();
}

function withFileHint(error: RowError): RowError {
  return error.column ? { ...error, message: `${error.message}。请使用检查结果信息表的表头（序号、账号名称、账号类型、开设单位、是否合格、主要问题）` } : error;
}
