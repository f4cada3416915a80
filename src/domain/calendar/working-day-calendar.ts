import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import { ConfigError, type ConfigProblem } from '../../shared/errors';
import { addCalendarDays, daysBetween, isDateOnly, weekdayIndex } from '../../shared/shanghai-time';

/**
 * Working days (工作日) in mainland China: Monday–Friday that is not a statutory holiday, plus the weekend days
 * designated as make-up working days (调休上班). See DOMAIN §5.
 *
 * The holiday and make-up day data come from the `chinese-days` package (`dist/chinese-days.json`, read directly so
 * nothing depends on the time zone of the machine). For a year the package has no data for it would silently answer
 * "Monday–Friday" (DOMAIN §5.2 "Critical pitfall"), so this wrapper knows which years are covered and marks a
 * computation that walks through an uncovered year as provisional.
 *
 * Covered years: the years for which the package lists holidays or make-up days, plus the years that the override
 * file explicitly declares in `coveredYears` (after the office entered that year's schedule as overrides). A single
 * override day does NOT make its year covered: one known holiday says nothing about the rest of the year.
 */

export interface CalendarOverride {
  /** `YYYY-MM-DD` */
  date: string;
  kind: 'holiday' | 'workday';
  note?: string;
}

export interface CalendarOverrideFile {
  coveredYears: number[];
  days: CalendarOverride[];
}

export interface WorkingDaysResult {
  /** The Nth working day after the start date; the deadline is the end of this day. */
  date: string;
  /** True when a day walked through lies in a year without holiday data: the date may move. */
  provisional: boolean;
}

/** Longest span searched for a working day; a whole year of holidays means broken overrides. */
const MAX_SEARCH_DAYS = 366;

interface LibraryData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const library = chineseDaysData as unknown as LibraryData;
const LIBRARY_HOLIDAYS = new Set(Object.keys(library.holidays));
const LIBRARY_WORKDAYS = new Set(Object.keys(library.workdays));
const LIBRARY_YEARS: readonly number[] = [
  ...new Set([...LIBRARY_HOLIDAYS, ...LIBRARY_WORKDAYS].map((d) => Number(d.slice(0, 4)))),
].sort((a, b) => a - b);

/** The years the installed `chinese-days` has holiday data for (2004–2026 in 1.5.7). */
export function libraryCoveredYears(): number[] {
  return [...LIBRARY_YEARS];
}

function assertDate(date: string, what = 'date'): void {
  if (!isDateOnly(date)) throw new RangeError(`${what} must be a YYYY-MM-DD calendar date, got ${JSON.stringify(date)}`);
}

export class WorkingDayCalendar {
  private readonly overrides = new Map<string, CalendarOverride>();
  private readonly covered: Set<number>;

  /**
   * @param overrides days that take precedence over the library (local holidays, a year's schedule not yet in the
   *   library); a date may appear only once.
   * @param coveredYears years declared complete by the override file, in addition to the library's years.
   */
  constructor(overrides: CalendarOverride[] = [], coveredYears: number[] = []) {
    for (const o of overrides) {
      assertDate(o.date, 'override date');
      if (o.kind !== 'holiday' && o.kind !== 'workday') throw new RangeError(`override kind must be holiday or workday`);
      if (this.overrides.has(o.date)) throw new RangeError(`override date ${o.date} given twice`);
      this.overrides.set(o.date, { ...o });
    }
    for (const y of coveredYears) {
      if (!Number.isInteger(y)) throw new RangeError(`covered year must be a whole number, got ${y}`);
    }
    this.covered = new Set([...LIBRARY_YEARS, ...coveredYears]);
  }

  /** A calendar from an override file (see loadCalendarOverrides); a missing file gives the library alone. */
  static fromFile(path: string): WorkingDayCalendar {
    const file = loadCalendarOverrides(path);
    return new WorkingDayCalendar(file.days, file.coveredYears);
  }

  /** The override for a date, if any. */
  overrideFor(date: string): CalendarOverride | undefined {
    const o = this.overrides.get(date);
    return o ? { ...o } : undefined;
  }

  isWorkday(date: string): boolean {
    assertDate(date);
    const override = this.overrides.get(date);
    if (override) return override.kind === 'workday';
    if (LIBRARY_HOLIDAYS.has(date)) return false;
    if (LIBRARY_WORKDAYS.has(date)) return true;
    const weekday = weekdayIndex(date);
    return weekday !== 0 && weekday !== 6;
  }

  /** True when the holiday schedule of the date's year is known (library data or declared in the override file). */
  isCovered(date: string): boolean {
    assertDate(date);
    return this.covered.has(Number(date.slice(0, 4)));
  }

  /**
   * The end of the Nth working day after `from` (DOMAIN §5.3): day 0 is the event date and is not counted, even when
   * it is a working day; counting starts with the next working day. `n` = 0 gives `from` itself.
   */
  addWorkingDays(from: string, n: number): WorkingDaysResult {
    return this.countWorkingDaysFrom(from, n, 1);
  }

  /** The n-th working day before `from` (n ≥ 0; `from` itself is not counted), with the same provisional flag. */
  subtractWorkingDays(from: string, n: number): WorkingDaysResult {
    return this.countWorkingDaysFrom(from, n, -1);
  }

  private countWorkingDaysFrom(from: string, n: number, direction: 1 | -1): WorkingDaysResult {
    assertDate(from, 'from');
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`);
    let date = from;
    let provisional = false;
    let counted = 0;
    let sinceLast = 0;
    while (counted < n) {
      date = addCalendarDays(date, direction);
      if (!this.isCovered(date)) provisional = true;
      if (this.isWorkday(date)) {
        counted += 1;
        sinceLast = 0;
      } else if (++sinceLast > MAX_SEARCH_DAYS) {
        throw new RangeError(`no working day within ${MAX_SEARCH_DAYS} days ${direction > 0 ? 'after' : 'before'} ${from}: check the calendar overrides`);
      }
    }
    return { date, provisional };
  }

  /** The first working day after `date`, or `date` itself when `includeSelf` and it is a working day. */
  nextWorkday(date: string, includeSelf = false): string {
    assertDate(date);
    if (includeSelf && this.isWorkday(date)) return date;
    return this.addWorkingDays(date, 1).date;
  }

  /** The dates among `days` calendar days starting with `from` (from, from+1, … from+days−1) in uncovered years. */
  uncoveredDates(from: string, days: number): string[] {
    assertDate(from, 'from');
    if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a whole number ≥ 0, got ${days}`);
    const result: string[] = [];
    for (let i = 0; i < days; i++) {
      const date = addCalendarDays(from, i);
      if (!this.covered.has(Number(date.slice(0, 4)))) result.push(date);
    }
    return result;
  }

  /** Covered years, ascending. */
  coveredYears(): number[] {
    return [...this.covered].sort((a, b) => a - b);
  }

  /** Working days strictly after `from` up to and including `to` (0 when `to` ≤ `from`). */
  countWorkingDays(from: string, to: string): number {
    assertDate(from, 'from');
    assertDate(to, 'to');
    let count = 0;
    for (let i = 1; i <= daysBetween(from, to); i++) {
      if (this.isWorkday(addCalendarDays(from, i))) count += 1;
    }
    return count;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Override file

const RIGHT_ENTRY = '{ "date": "2027-01-01", "kind": "holiday", "note": "元旦" }';

const OVERRIDE_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    _comment: { type: ['string', 'array'], items: { type: 'string' } },
    coveredYears: {
      type: 'array',
      items: { type: 'integer', minimum: 2000, maximum: 2100 },
      uniqueItems: true,
    },
    days: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['date', 'kind'],
        properties: {
          date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          kind: { type: 'string', enum: ['holiday', 'workday'] },
          note: { type: 'string', maxLength: 200 },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateOverrideFile = ajv.compile(OVERRIDE_FILE_SCHEMA);

/**
 * Read the holiday override file (JSON):
 *
 * ```json
 * { "_comment": "…", "coveredYears": [2027], "days": [{ "date": "2027-01-01", "kind": "holiday", "note": "元旦" }] }
 * ```
 *
 * A missing file means no overrides. A bad file throws a ConfigError naming the file, the entry (`days[2].kind`),
 * what is wrong and an example of a right entry. A date listed twice is refused.
 */
export function loadCalendarOverrides(path: string): CalendarOverrideFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { coveredYears: [], days: [] };
    throw err;
  }

  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError([
      { variable: path, problem: `not valid JSON: ${(err as Error).message}`, example: `{ "coveredYears": [], "days": [${RIGHT_ENTRY}] }` },
    ]);
  }

  if (!validateOverrideFile(data)) {
    throw new ConfigError((validateOverrideFile.errors ?? []).map((e) => schemaProblem(path, e)));
  }
  const file = data as { coveredYears?: number[]; days?: CalendarOverride[] };
  const days = file.days ?? [];
  const problems: ConfigProblem[] = [];
  const firstIndex = new Map<string, number>();
  days.forEach((day, i) => {
    if (!isDateOnly(day.date)) {
      problems.push({ variable: `${path}: days[${i}].date`, problem: `"${day.date}" is not a calendar date`, example: RIGHT_ENTRY });
      return;
    }
    const seen = firstIndex.get(day.date);
    if (seen !== undefined) {
      problems.push({
        variable: `${path}: days[${i}].date`,
        problem: `${day.date} is listed twice (also days[${seen}]); keep one entry per date`,
        example: RIGHT_ENTRY,
      });
    } else {
      firstIndex.set(day.date, i);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    coveredYears: [...(file.coveredYears ?? [])].sort((a, b) => a - b),
    days: days.map((d) => ({ date: d.date, kind: d.kind, ...(d.note !== undefined ? { note: d.note } : {}) })),
  };
}

function schemaProblem(path: string, e: ErrorObject): ConfigProblem {
  // instancePath "/days/2/kind" → "days[2].kind"
  const where = e.instancePath
    .split('/')
    .slice(1)
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  const variable = where ? `${path}: ${where}` : path;
  const params = e.params as Record<string, unknown>;
  let problem: string;
  let example = RIGHT_ENTRY;
  switch (e.keyword) {
    case 'additionalProperties':
      problem = `unknown key "${String(params.additionalProperty)}" (allowed: ${
        where === '' ? '_comment, coveredYears, days' : 'date, kind, note'
      })`;
      if (where === '') example = `{ "coveredYears": [2027], "days": [${RIGHT_ENTRY}] }`;
      break;
    case 'required':
      problem = `missing "${String(params.missingProperty)}"`;
      break;
    case 'enum':
      problem = `must be "holiday" or "workday"`;
      break;
    case 'pattern':
      problem = `must be a date written YYYY-MM-DD`;
      break;
    case 'uniqueItems':
      problem = `a year is listed twice`;
      example = '[2027, 2028]';
      break;
    default:
      problem = e.message ?? 'is not valid';
      if (where.startsWith('coveredYears')) example = '[2027]';
      else if (where === 'days') example = `[${RIGHT_ENTRY}]`;
  }
  return { variable, problem, example };
}
