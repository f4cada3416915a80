import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import {
  parseRoster,
  readTable,
  RosterFileError,
  type RosterRow,
  type RowError,
  type TableRows,
} from '../../../src/domain/roster/roster-file';

const FIXTURE = readFileSync(join(__dirname, '../../fixtures/units.csv'));
const FIXTURE_TEXT = FIXTURE.toString('utf8').replace(/^\uFEFF/, '');
/** The fixture as a grid of cells (it has no commas or quotes inside cells). */
const GRID: string[][] = FIXTURE_TEXT.split('\r\n')
  .filter((line) => line !== '')
  .map((line) => line.split(','));
const HEADER = GRID[0];

function toCsv(grid: string[][], options: { bom?: boolean; eol?: string } = {}): Buffer {
  const quote = (cell: string): string => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  const text = grid.map((row) => row.map(quote).join(',')).join(options.eol ?? '\r\n') + (options.eol ?? '\r\n');
  return Buffer.from((options.bom ? '\uFEFF' : '') + text, 'utf8');
}

/** The fixture grid with some cells of one data row (unit code) replaced, by header name. */
function withCells(grid: string[][], code: string, changes: Record<string, string>): string[][] {
  return grid.map((row) => {
    if (row[1] !== code) return row;
    const copy = [...row];
    for (const [header, value] of Object.entries(changes)) copy[HEADER.indexOf(header)] = value;
    return copy;
  });
}

async function parseBuffer(buffer: Buffer, fileName = 'units.csv'): Promise<ReturnType<typeof parseRoster>> {
  return parseRoster(await readTable(buffer, fileName));
}

function rowsOf(result: ReturnType<typeof parseRoster>): RosterRow[] {
  if ('errors' in result) throw new Error(`unexpected errors:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.rows;
}

function errorsOf(result: ReturnType<typeof parseRoster>): RowError[] {
  if (!('errors' in result)) throw new Error('expected errors');
  return result.errors;
}

describe('readTable + parseRoster with the fixture units.csv', () => {
  let rows: RosterRow[];

  beforeAll(async () => {
    expect(FIXTURE.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    rows = rowsOf(await parseBuffer(FIXTURE));
  });

  it('reads all 40 units with spreadsheet row numbers', () => {
    expect(rows).toHaveLength(40);
    expect(rows[0].rowNumber).toBe(2);
    expect(rows[39]).toMatchObject({ rowNumber: 41, code: 'DL040' });
    const byType = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.unitType]: (acc[r.unitType] ?? 0) + 1 }), {});
    expect(byType).toEqual({ 部门: 24, 镇: 6, 街道: 7, 开发区: 3 });
  });

  it('reads DL001 as organizer and filer with its liaison and leader', () => {
    expect(rows[0]).toEqual({
      rowNumber: 2,
      code: 'DL001',
      name: '东岚区人民政府办公室',
      shortName: '区政府办',
      unitType: '部门',
      parentName: '东岚区人民政府',
      systemRoles: ['organizer', 'filer'],
      systemRolesRaw: '组织单位、填报单位',
      liaison: {
        name: '罗嘉禾',
        title: '信息科科员',
        wecomUserId: 'luojiahe',
        mobile: '18900009969',
        officePhone: '0123-6800001',
      },
      leader: { name: '白振华', title: '副主任', wecomUserId: 'baizhenhua' },
    });
    expect(rows.filter((r) => r.systemRoles.includes('organizer')).map((r) => r.code)).toEqual(['DL001']);
    expect(rows.slice(1).every((r) => r.systemRoles.join() === 'filer')).toBe(true);
  });

  it('reads DL037 without a WeCom userid, and the remarks', () => {
    const dl037 = rows.find((r) => r.code === 'DL037')!;
    expect(dl037.liaison).toEqual({ name: '詹一鸣', title: '党政办科员', mobile: '15200007933', officePhone: '0123-6800037' });
    expect(dl037.liaison).not.toHaveProperty('wecomUserId');
    expect(dl037.remarks).toBe('联络员尚未加入政务微信，暂无企业微信账号');
    expect(rows.find((r) => r.code === 'DL024')?.remarks).toBe('联络员2026年10月调整，原联络员已调离');
    expect(rows.find((r) => r.code === 'DL025')?.leader?.title).toBe('党委委员、副镇长');
  });

  it('reads the same rows without BOM and with LF line endings', async () => {
    const plain = Buffer.from(FIXTURE_TEXT.replace(/\r\n/g, '\n'), 'utf8');
    expect(rowsOf(await parseBuffer(plain))).toEqual(rows);
  });

  it('finds columns by header name in any order', async () => {
    const order = [...HEADER.keys()].reverse();
    const shuffled = GRID.map((row) => order.map((i) => row[i] ?? ''));
    expect(rowsOf(await parseBuffer(toCsv(shuffled, { bom: true })))).toEqual(rows);
  });

  it('skips a title row and blank rows above the header and counts them in row numbers', async () => {
    const grid = [['东岚区政务新媒体联络员名册（2026年10月）'], [''], ...GRID];
    const result = rowsOf(await parseBuffer(toCsv(grid, { bom: true })));
    expect(result).toHaveLength(40);
    expect(result[0]).toMatchObject({ rowNumber: 4, code: 'DL001' });
    expect(result[39].rowNumber).toBe(43);
  });
});

describe('readTable', () => {
  it('reads the first worksheet of an XLSX built with exceljs, numbers and dates as text', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('联络员名册');
    workbook.addWorksheet('说明').addRow(['填表说明']);
    sheet.addRow(['东岚区政务新媒体联络员名册']);
    sheet.mergeCells('A1:H1');
    sheet.addRow(['单位全称', '单位编码', '联络员', '联络员手机', '单位类型', '系统角色', '分管领导', '备注']);
    sheet.addRow(['东岚区人民政府办公室', 'DL001', '罗嘉禾', 18900009969, '部门', '组织单位、填报单位', '白振华', '']);
    sheet.addRow([]);
    sheet.addRow(['岚桥镇人民政府', 'DL025', '易雪松', '152 0000 8198', '镇', '填报单位', '', new Date(Date.UTC(2026, 9, 1))]);
    sheet.addRow(['东岚区财政局', { formula: 'CONCAT("DL","008")', result: 'DL008' }, { richText: [{ text: '顾' }, { text: '晓蕾' }] }, 18900003907, '部门', '填报单位']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    const table = await readTable(buffer, '名册.xlsx');
    expect(table.format).toBe('xlsx');
    expect(table.sheetName).toBe('联络员名册');
    expect(table.rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 5, 6]);
    expect(table.rows[2].cells[3]).toBe('18900009969');
    expect(table.rows[3].cells[7]).toBe('2026-10-01');

    const rows = rowsOf(parseRoster(table));
    expect(rows).toEqual([
      {
        rowNumber: 3,
        code: 'DL001',
        name: '东岚区人民政府办公室',
        unitType: '部门',
        systemRoles: ['organizer', 'filer'],
        systemRolesRaw: '组织单位、填报单位',
        liaison: { name: '罗嘉禾', mobile: '18900009969' },
        leader: { name: '白振华' },
      },
      {
        rowNumber: 5,
        code: 'DL025',
        name: '岚桥镇人民政府',
        unitType: '镇',
        systemRoles: ['filer'],
        systemRolesRaw: '填报单位',
        liaison: { name: '易雪松', mobile: '15200008198' },
        remarks: '2026-10-01',
      },
      {
        rowNumber: 6,
        code: 'DL008',
        name: '东岚区财政局',
        unitType: '部门',
        systemRoles: ['filer'],
        systemRolesRaw: '填报单位',
        liaison: { name: '顾晓蕾', mobile: '18900003907' },
      },
    ]);
  });

  it('detects an XLSX by its content even with a .csv name', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Sheet1').addRow(['a']);
    const table = await readTable(Buffer.from(await workbook.xlsx.writeBuffer()), 'units.csv');
    expect(table.format).toBe('xlsx');
  });

  it('rejects a GBK file and tells how to save it', async () => {
    // "单位编码,单位名称\r\nDL001,东岚区" in GBK, as old Excel writes "CSV（逗号分隔）"
    const gbk = Buffer.from([
      0xb5, 0xa5, 0xce, 0xbb, 0xb1, 0xe0, 0xc2, 0xeb, 0x2c, 0xb5, 0xa5, 0xce, 0xbb, 0xc3, 0xfb, 0xb3, 0xc6, 0x0d, 0x0a,
      0x44, 0x4c, 0x30, 0x30, 0x31, 0x2c, 0xb6, 0xab, 0xc0, 0xb6, 0xc7, 0xf8, 0x0d, 0x0a,
    ]);
    const error = await readTable(gbk, 'units.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RosterFileError);
    expect((error as RosterFileError).code).toBe('not-utf8');
    expect((error as RosterFileError).message).toContain('CSV UTF-8（逗号分隔）');
    expect((error as RosterFileError).message).toContain('xlsx');
    expect((error as RosterFileError).message).toContain('GBK');
  });

  it('rejects an old .xls, a fake .xlsx and an empty file', async () => {
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]);
    await expect(readTable(xls, 'units.xls')).rejects.toMatchObject({ code: 'legacy-xls' });
    await expect(readTable(Buffer.from('a,b\r\n'), 'units.xlsx')).rejects.toMatchObject({ code: 'invalid-xlsx' });
    await expect(readTable(Buffer.alloc(0), 'units.csv')).rejects.toMatchObject({ code: 'empty-file' });
  });

  it('reports an unclosed quote in a CSV', async () => {
    await expect(readTable(Buffer.from('单位编码,单位名称\r\nDL001,"东岚\r\n'), 'units.csv')).rejects.toMatchObject({
      code: 'invalid-csv',
    });
  });

  it('keeps quoted cells with line breaks in one row', async () => {
    const table = await readTable(Buffer.from('a,b\r\n"x\r\ny",z\r\n\r\nc,d\r\n'), 'x.csv');
    expect(table.rows).toEqual([
      { rowNumber: 1, cells: ['a', 'b'] },
      { rowNumber: 2, cells: ['x\r\ny', 'z'] },
      { rowNumber: 4, cells: ['c', 'd'] },
    ]);
  });
});

describe('parseRoster validation', () => {
  it('gives every error of three bad rows with their row numbers', async () => {
    let grid = withCells(GRID, 'DL002', { 联络员手机号: '1390000123' });
    grid = withCells(grid, 'DL004', { 单位类型: '乡' });
    grid = withCells(grid, 'DL006', { 系统角色: '管理单位', 办公电话: '6800006' });
    const errors = errorsOf(await parseBuffer(toCsv(grid, { bom: true })));
    expect(errors.map((e) => [e.rowNumber, e.column])).toEqual([
      [3, '联络员手机号'],
      [5, '单位类型'],
      [7, '系统角色'],
      [7, '办公电话'],
    ]);
    expect(errors[0].message).toBe('第3行「联络员手机号」：“1390000123” 不是11位手机号，例如 13900001234');
    expect(errors[1].message).toBe('第5行「单位类型」：“乡” 不是允许的单位类型，应为 镇、街道、部门、开发区、管委会 之一');
    expect(errors[2].message).toContain('组织单位、填报单位');
    expect(errors[3].message).toBe('第7行「办公电话」：“6800006” 不是带区号的固定电话，例如 0123-6800001');
  });

  it('names a missing required column and lists the headers found', async () => {
    const grid = GRID.map((row) => row.filter((_, i) => HEADER[i] !== '单位类型'));
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ rowNumber: null, column: '单位类型' });
    expect(errors[0].message).toContain('缺少必填列「单位类型」');
    expect(errors[0].message).toContain('序号、单位编码、单位名称、单位简称、上级单位');
  });

  it('reports empty required values', async () => {
    const grid = withCells(GRID, 'DL010', { 单位名称: '', 联络员姓名: ' ' });
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    expect(errors.map((e) => e.message)).toEqual([
      '第11行「单位名称」：不能为空，例如 东岚区发展和改革局',
      '第11行「联络员姓名」：不能为空，例如 钟雨桐',
    ]);
  });

  it('reports duplicate codes, names and a userid used by two different people', async () => {
    let grid = withCells(GRID, 'DL003', { 单位编码: 'DL002' });
    grid = withCells(grid, 'DL005', { 单位名称: '东岚区科学技术局' });
    grid = withCells(grid, 'DL007', { 联络员企业微信账号: 'hejingyi' });
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    expect(errors.map((e) => e.message)).toEqual([
      '第4行「单位编码」：“DL002” 与第3行重复，每个单位编码只能出现一次',
      '第6行「单位名称」：“东岚区科学技术局” 与第5行重复，每个单位名称只能出现一次',
      '第8行「联络员企业微信账号」：“hejingyi” 在第5行已是“贺静怡”的企业微信账号，不能再给“唐书恒”使用；同一个账号只能对应一个人，请核对后改正',
    ]);
  });

  it('accepts one person as the liaison of two units', async () => {
    const grid = withCells(GRID, 'DL003', { 联络员姓名: '钟雨桐', 联络员企业微信账号: 'zhongyutong' });
    expect(rowsOf(await parseBuffer(toCsv(grid)))).toHaveLength(40);
  });

  it('normalises full-width digits, spaces and dashes in codes, phones and userids', async () => {
    const grid = withCells(GRID, 'DL002', {
      单位编码: 'ＤＬ００２',
      联络员姓名: '\u3000钟雨桐 ',
      联络员手机号: '１７７-0000 0218',
      办公电话: '０１２３ 6800002',
      联络员企业微信账号: 'ｚｈｏｎｇｙｕｔｏｎｇ',
    });
    const row = rowsOf(await parseBuffer(toCsv(grid))).find((r) => r.rowNumber === 3)!;
    expect(row.code).toBe('DL002');
    expect(row.liaison).toEqual({
      name: '钟雨桐',
      title: '办公室科员',
      wecomUserId: 'zhongyutong',
      mobile: '17700000218',
      officePhone: '0123-6800002',
    });
  });

  it('accepts office phones with area code in common spellings', async () => {
    const phones: Record<string, string> = {
      DL002: '01236800002',
      DL003: '(0123)6800003',
      DL004: '0123－6800004',
      DL005: '010-68000050',
      DL006: '0123-6800006转801',
    };
    let grid = GRID;
    for (const [code, phone] of Object.entries(phones)) grid = withCells(grid, code, { 办公电话: phone });
    const rows = rowsOf(await parseBuffer(toCsv(grid)));
    expect(rows.slice(1, 6).map((r) => r.liaison.officePhone)).toEqual([
      '0123-6800002',
      '0123-6800003',
      '0123-6800004',
      '010-68000050',
      '0123-6800006转801',
    ]);
  });

  it('refuses an invalid userid and a mobile in scientific notation', async () => {
    let grid = withCells(GRID, 'DL002', { 联络员企业微信账号: '钟雨桐' });
    grid = withCells(grid, 'DL003', { 联络员手机号: '1.52E+10' });
    const errors = errorsOf(await parseBuffer(toCsv(grid)));
    expect(errors.map((e) => [e.rowNumber, e.column])).toEqual([
      [3, '联络员企业微信账号'],
      [4, '联络员手机号'],
    ]);
    expect(errors[1].message).toContain('科学计数法');
  });

  it('accepts header synonyms and ignores unknown columns and rows with only a 序号', async () => {
    const table: TableRows = {
      format: 'csv',
      rows: [
        {
          rowNumber: 1,
          cells: ['序号', '单位全称', '*单位编码', '单位类型', '系统角色', '联络员', '联络员电话', '分管领导', '分管领导企业微信账号', '统一社会信用代码'],
        },
        { rowNumber: 2, cells: ['1', '东岚区民政局', 'DL006', '部门', '填报单位，组织单位', '姜婉清', '15900004972', '郭春生', 'guochunsheng', 'X'] },
        { rowNumber: 3, cells: ['2'] },
      ],
    };
    expect(rowsOf(parseRoster(table))).toEqual([
      {
        rowNumber: 2,
        code: 'DL006',
        name: '东岚区民政局',
        unitType: '部门',
        systemRoles: ['organizer', 'filer'],
        systemRolesRaw: '填报单位，组织单位',
        liaison: { name: '姜婉清', mobile: '15900004972' },
        leader: { name: '郭春生', wecomUserId: 'guochunsheng' },
      },
    ]);
  });

  it('refuses two columns that mean the same thing', () => {
    const table: TableRows = {
      format: 'csv',
      rows: [{ rowNumber: 1, cells: ['单位编码', '单位名称', '单位全称', '单位类型', '系统角色', '联络员姓名'] }],
    };
    const errors = errorsOf(parseRoster(table));
    expect(errors).toEqual([expect.objectContaining({ rowNumber: 1, column: '单位全称' })]);
  });

  it('refuses a file with a header but no units', () => {
    const errors = errorsOf(parseRoster({ format: 'csv', rows: [{ rowNumber: 1, cells: HEADER }] }));
    expect(errors).toEqual([expect.objectContaining({ rowNumber: null })]);
  });
});
