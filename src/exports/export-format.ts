import { formatDateCn, toShanghaiDate } from '../shared/shanghai-time';

/**
 * Cell formats of the exports. Dates are text as the offices write them: the registry (台账) keeps the machine form
 * of its source file (2026-09-05, timestamps 2026-09-05 14:30 in Beijing time) so it can be imported again; the
 * paper-style forms (备案表, 排查表) and title lines use 2026年9月5日.
 */

/** What every export returns before it is stored or written. */
export interface ExportFile {
  /** file name with .xlsx, safe on Windows */
  fileName: string;
  /** the table's title as printed */
  title: string;
  content: Buffer;
  /** data rows (fields for a 备案表) */
  rows: number;
  /** what was exported: a round, a unit, an account (for the audit log) */
  subject: string;
  /** the selections applied, by label */
  filters: Record<string, string>;
  /** phone numbers are in the file (admin exports only; logged) */
  containsPhones: boolean;
}

/** Ideographic spaces (U+3000): the blanks of a form's signature and date lines. */
export function gap(n: number): string {
  return '\u3000'.repeat(n);
}

/** 2026-09-05 as it is (台账). */
export function isoDate(date: string | null | undefined): string {
  return date ?? '';
}

/** 2026-09-05 → 2026年9月5日 (forms); an unreadable value is kept as written. */
export function cnDate(date: string | null | undefined): string {
  if (!date) return '';
  try {
    return formatDateCn(date);
  } catch {
    return date;
  }
}

/** An instant as 2026-09-05 14:30 in Beijing time, like the 提交时间 column of the registry. */
export function isoMinute(instant: Date | null | undefined): string {
  if (!instant) return '';
  const d = new Date(instant);
  const shifted = new Date(d.getTime() + 8 * 60 * 60 * 1000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

/** The export day for file names: 20261123. */
export function fileDate(now: Date): string {
  return toShanghaiDate(now).replace(/-/g, '');
}

/** A phone number, or its masked form (139****1234) when the export must not carry phone numbers. */
export function phone(value: string | null | undefined, include: boolean): string {
  if (!value) return '';
  if (include) return value;
  const digits = value.replace(/\s/g, '');
  if (/^1\d{10}$/.test(digits)) return `${digits.slice(0, 3)}****${digits.slice(7)}`;
  return digits.length > 4 ? `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}` : '****';
}

/** A file name without the characters Windows refuses, at most 120 characters before .xlsx. */
export function xlsxFileName(...parts: Array<string | null | undefined>): string {
  const base = parts
    .filter((p): p is string => Boolean(p))
    .join('-')
    .replace(/[\\/:*?"<>|\r\n\t]+/g, '_')
    .trim();
  return `${base.slice(0, 120)}.xlsx`;
}
