import ExcelJS from 'exceljs';

/**
 * The look of every exported table, as the offices print them: a title merged across the table, an optional header
 * block (填报单位 / 填表人 / 联系电话), a bold bordered header row that stays frozen and is repeated on every printed
 * page, bordered wrapped body cells, column widths, A4 fitted to the page width. Cells are text (dates as the
 * offices write them, phone numbers never turned into numbers) except counts.
 */

export type CellValue = string | number | null;

export interface SheetColumn {
  header: string;
  /** Excel column width (characters; a Chinese character counts about two) */
  width: number;
  align?: 'left' | 'center' | 'right';
}

/** One labelled cell of the header block, spread over `span` columns: 填报单位：东岚区发展和改革局. */
export interface HeaderBlockCell {
  label: string;
  value: string;
  span: number;
}

export interface TableSheetSpec {
  sheetName: string;
  title: string;
  /** a line under the title (export date, filters), merged across the table */
  note?: string;
  headerBlock?: HeaderBlockCell[];
  columns: SheetColumn[];
  rows: CellValue[][];
  orientation: 'portrait' | 'landscape';
  /** lines under the table (signature and seal), each merged across the table */
  footer?: string[];
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FONT = '宋体';
const TITLE_FONT = '黑体';
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};

export function newWorkbook(now: Date): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = '政务新媒体联络助手';
  workbook.lastModifiedBy = '政务新媒体联络助手';
  workbook.created = now;
  workbook.modified = now;
  return workbook;
}

/** A list table (台账, 检查结果信息表 …). Returns the number of the header row. */
export function addTableSheet(workbook: ExcelJS.Workbook, spec: TableSheetSpec): { headerRow: number } {
  const width = spec.columns.length;
  const sheet = workbook.addWorksheet(spec.sheetName);
  sheet.columns = spec.columns.map((c) => ({ width: c.width }));
  let rowNo = 1;

  mergedLine(sheet, rowNo, width, spec.title, { font: { name: TITLE_FONT, size: 16, bold: true }, height: 32, align: 'center' });
  rowNo++;
  if (spec.note) {
    mergedLine(sheet, rowNo, width, spec.note, { font: { name: FONT, size: 10 }, height: 20, align: 'left' });
    rowNo++;
  }
  if (spec.headerBlock?.length) {
    let col = 1;
    for (const cell of spec.headerBlock) {
      const last = Math.min(col + cell.span - 1, width);
      if (last > col) sheet.mergeCells(rowNo, col, rowNo, last);
      const target = sheet.getCell(rowNo, col);
      target.value = `${cell.label}：${cell.value}`;
      target.font = { name: FONT, size: 11 };
      target.alignment = { vertical: 'middle', horizontal: 'left', wrapText: true };
      col = last + 1;
    }
    sheet.getRow(rowNo).height = 24;
    rowNo++;
  }

  const headerRow = rowNo;
  const header = sheet.getRow(headerRow);
  spec.columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { name: FONT, size: 11, bold: true };
    cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    cell.border = THIN;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9D9D9' } };
  });
  header.height = 32;
  rowNo++;

  for (const values of spec.rows) {
    const row = sheet.getRow(rowNo);
    spec.columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const value = values[i];
      cell.value = value === null || value === undefined ? '' : value;
      cell.font = { name: FONT, size: 10 };
      cell.alignment = { vertical: 'middle', horizontal: c.align ?? 'left', wrapText: true };
      cell.border = THIN;
      if (typeof value === 'string') cell.numFmt = '@';
    });
    rowNo++;
  }

  for (const line of spec.footer ?? []) {
    rowNo++;
    mergedLine(sheet, rowNo, width, line, { font: { name: FONT, size: 11 }, height: 28, align: 'left' });
  }

  sheet.views = [{ state: 'frozen', xSplit: 0, ySplit: headerRow, topLeftCell: `A${headerRow + 1}`, activeCell: `A${headerRow + 1}` }];
  sheet.pageSetup = {
    paperSize: 9, // A4
    orientation: spec.orientation,
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    horizontalCentered: true,
    margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    printTitlesRow: `${headerRow}:${headerRow}`,
  };
  sheet.headerFooter = { oddFooter: '第 &P 页，共 &N 页' };
  return { headerRow };
}

export interface FormField {
  label: string;
  value: string;
}

export interface FormSheetSpec {
  sheetName: string;
  title: string;
  /** right-aligned line under the title, e.g. 备案编号 */
  note?: string;
  fields: FormField[];
  /** tall merged blocks under the form: opinions, signature and seal lines (\n for line breaks) */
  blocks: string[];
  labelWidth: number;
  valueWidth: number;
}

/** A two-column form of label and value (备案表), bordered, with opinion and seal blocks under it. */
export function addFormSheet(workbook: ExcelJS.Workbook, spec: FormSheetSpec): { firstFieldRow: number } {
  const sheet = workbook.addWorksheet(spec.sheetName);
  sheet.columns = [{ width: spec.labelWidth }, { width: spec.valueWidth }];
  let rowNo = 1;
  mergedLine(sheet, rowNo, 2, spec.title, { font: { name: TITLE_FONT, size: 18, bold: true }, height: 36, align: 'center' });
  rowNo++;
  if (spec.note) {
    mergedLine(sheet, rowNo, 2, spec.note, { font: { name: FONT, size: 10 }, height: 20, align: 'right' });
    rowNo++;
  }
  const firstFieldRow = rowNo;
  for (const field of spec.fields) {
    const row = sheet.getRow(rowNo);
    const label = row.getCell(1);
    label.value = field.label;
    label.font = { name: FONT, size: 11, bold: true };
    label.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    label.border = THIN;
    label.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
    const value = row.getCell(2);
    value.value = field.value;
    value.numFmt = '@';
    value.font = { name: FONT, size: 11 };
    value.alignment = { vertical: 'middle', horizontal: 'left', wrapText: true };
    value.border = THIN;
    row.height = Math.max(24, 16 * Math.ceil(Math.max(1, displayWidth(field.value)) / Math.max(1, spec.valueWidth - 2)) + 8);
    rowNo++;
  }
  for (const block of spec.blocks) {
    const lines = block.split('\n').length;
    mergedLine(sheet, rowNo, 2, block, { font: { name: FONT, size: 11 }, height: Math.max(28, lines * 20 + 8), align: 'left', border: true, vertical: 'top' });
    rowNo++;
  }
  sheet.pageSetup = {
    paperSize: 9,
    orientation: 'portrait',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 1,
    horizontalCentered: true,
    margins: { left: 0.6, right: 0.6, top: 0.8, bottom: 0.8, header: 0.3, footer: 0.3 },
  };
  return { firstFieldRow };
}

export async function workbookBuffer(workbook: ExcelJS.Workbook): Promise<Buffer> {
  const data = await workbook.xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}

function mergedLine(
  sheet: ExcelJS.Worksheet,
  rowNo: number,
  width: number,
  text: string,
  style: { font: Partial<ExcelJS.Font>; height: number; align: 'left' | 'center' | 'right'; border?: boolean; vertical?: 'top' | 'middle' },
): void {
  if (width > 1) sheet.mergeCells(rowNo, 1, rowNo, width);
  const cell = sheet.getCell(rowNo, 1);
  cell.value = text;
  cell.font = style.font;
  cell.alignment = { vertical: style.vertical ?? 'middle', horizontal: style.align, wrapText: true };
  if (style.border) {
    for (let c = 1; c <= width; c++) sheet.getCell(rowNo, c).border = THIN;
  }
  sheet.getRow(rowNo).height = style.height;
}

/** Width of a text in Excel character units: a CJK character counts two. */
function displayWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u2E80-\uFFEF]/.test(ch) ? 2 : 1;
  return n;
}
