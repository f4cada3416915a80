import type { RowError, TableRow } from '../roster/roster-file';

/**
 * Finding the header row of an office spreadsheet: columns by header name in any order, known synonyms, title rows
 * above the header. Shared by every importer (roster, registry, and the inspection tables to come).
 */

export interface ColumnSpec<K extends string> {
  key: K;
  /** the header of the office's template */
  label: string;
  required: boolean;
  synonyms: string[];
}

export interface HeaderMatch<K extends string> {
  rowNumber: number;
  /** column index of each recognised column */
  index: Map<K, number>;
  /** the header text as written, for messages */
  label: Map<K, string>;
  duplicates: RowError[];
  headersFound: string[];
}

/** Trims, turns full-width digits and all kinds of spaces into plain ones, drops zero-width characters. */
export function cleanCell(value: string): string {
  return value
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u00A0\u3000]+/g, ' ')
    .trim();
}

/** A header as compared: no spaces or required-marks (*), full-width folded, a trailing (单位) note dropped. */
export function normalizeHeader(header: string): string {
  return cleanCell(header)
    .normalize('NFKC')
    .replace(/[\s*]/g, '')
    .replace(/\([^)]*\)$/, '')
    .toLowerCase();
}

/** Every spelling of every column, normalised, to its column. */
export function headerLookup<K extends string, C extends ColumnSpec<K>>(columns: readonly C[]): Map<string, C> {
  return new Map(columns.flatMap((spec) => [spec.label, ...spec.synonyms].map((h) => [normalizeHeader(h), spec] as const)));
}

/**
 * The first row that has every required column; otherwise an error per missing column, naming the row that came
 * closest and what its headers are, so the office can see what to rename.
 */
export function findHeader<K extends string, C extends ColumnSpec<K>>(
  rows: TableRow[],
  columns: readonly C[],
  lookup: Map<string, C>,
  templateName: string,
): HeaderMatch<K> | { errors: RowError[] } {
  if (rows.length === 0) return { errors: [{ rowNumber: null, message: `文件中没有任何数据，请使用${templateName}模板填写` }] };
  let best: HeaderMatch<K> | undefined;
  for (const row of rows) {
    const match = matchHeader<K, C>(row, lookup);
    if (columns.every((c) => !c.required || match.index.has(c.key))) return match;
    if (!best || match.index.size > best.index.size) best = match;
  }
  const candidate = best as HeaderMatch<K>;
  const found = candidate.headersFound.length > 0 ? candidate.headersFound.join('、') : '（无）';
  const where = candidate.index.size > 0 ? `第${candidate.rowNumber}行的` : '';
  return {
    errors: columns
      .filter((c) => c.required && !candidate.index.has(c.key))
      .map((c) => ({
        rowNumber: null,
        column: c.label,
        message:
          `缺少必填列「${c.label}」${c.synonyms.length > 0 ? `（表头也可写作 ${c.synonyms.slice(0, 2).join('、')}）` : ''}。` +
          `${where}表头是：${found}`,
      })),
  };
}

function matchHeader<K extends string, C extends ColumnSpec<K>>(row: TableRow, lookup: Map<string, C>): HeaderMatch<K> {
  const index = new Map<K, number>();
  const label = new Map<K, string>();
  const duplicates: RowError[] = [];
  const headersFound: string[] = [];
  row.cells.forEach((cell, i) => {
    const text = cleanCell(cell);
    if (text === '') return;
    headersFound.push(text);
    const spec = lookup.get(normalizeHeader(text));
    if (!spec) return;
    if (index.has(spec.key)) {
      duplicates.push({
        rowNumber: row.rowNumber,
        column: text,
        message: `第${row.rowNumber}行表头：「${label.get(spec.key)}」和「${text}」都表示“${spec.label}”，请只保留一列`,
      });
      return;
    }
    index.set(spec.key, i);
    label.set(spec.key, text);
  });
  return { rowNumber: row.rowNumber, index, label, duplicates, headersFound };
}
