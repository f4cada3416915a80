import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isWorkday as libraryIsWorkday } from 'chinese-days';
import {
  WorkingDayCalendar,
  libraryCoveredYears,
  loadCalendarOverrides,
  type CalendarOverride,
} from '../../../src/domain/calendar/working-day-calendar';
import { ConfigError } from '../../../src/shared/errors';
import { addCalendarDays } from '../../../src/shared/shanghai-time';

const calendar = new WorkingDayCalendar();
const NEW_YEAR_2027: CalendarOverride = { date: '2027-01-01', kind: 'holiday', note: '元旦' };

describe('WorkingDayCalendar.addWorkingDays (DOMAIN §5.3 worked examples)', () => {
  it.each([
    ['2026-09-24', 3, '2026-09-30'],
    ['2026-09-24', 5, '2026-10-09'],
    ['2026-09-24', 7, '2026-10-12'],
    ['2026-09-30', 3, '2026-10-10'],
    ['2026-09-30', 5, '2026-10-13'],
    ['2026-09-30', 7, '2026-10-15'],
    ['2026-02-13', 3, '2026-02-25'],
    ['2026-02-13', 5, '2026-02-27'],
    ['2026-02-13', 7, '2026-03-02'],
    ['2026-11-16', 3, '2026-11-19'],
    ['2026-11-16', 5, '2026-11-23'],
    ['2026-11-16', 7, '2026-11-25'],
    ['2025-02-02', 3, '2025-02-07'],
  ])('%s + %i working days → %s', (from, n, expected) => {
    expect(calendar.addWorkingDays(from, n)).toEqual({ date: expected, provisional: false });
  });

  it('does not count the event day even when it is a working day', () => {
    expect(calendar.addWorkingDays('2026-11-16', 1)).toEqual({ date: '2026-11-17', provisional: false });
    expect(calendar.addWorkingDays('2026-11-20', 1)).toEqual({ date: '2026-11-23', provisional: false });
  });

  it('gives the start date for n = 0 and refuses negative or fractional n', () => {
    expect(calendar.addWorkingDays('2026-10-03', 0)).toEqual({ date: '2026-10-03', provisional: false });
    expect(() => calendar.addWorkingDays('2026-10-03', -1)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays('2026-10-03', 1.5)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays('2026/10/03', 1)).toThrow(RangeError);
  });

  it('marks a deadline that runs into a year without data as provisional (library alone says 2027-01-04)', () => {
    expect(calendar.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-04', provisional: true });
    expect(calendar.addWorkingDays('2026-12-30', 1)).toEqual({ date: '2026-12-31', provisional: false });
  });

  it('uses an override and a declared covered year: 2026-12-30 + 3 → 2027-01-05, final', () => {
    const withOverride = new WorkingDayCalendar([NEW_YEAR_2027], [2027]);
    expect(withOverride.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', provisional: false });
  });

  it('keeps a deadline provisional when an override names a day but does not declare the year covered', () => {
    const partial = new WorkingDayCalendar([NEW_YEAR_2027]);
    expect(partial.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', provisional: true });
    expect(partial.isCovered('2027-01-01')).toBe(false);
  });
});

describe('WorkingDayCalendar.isWorkday', () => {
  it.each([
    ['2026-10-10', true, 'Saturday make-up day'],
    ['2026-09-20', true, 'Sunday make-up day'],
    ['2026-10-01', false, 'National Day'],
    ['2026-10-07', false, 'National Day, Wednesday'],
    ['2026-02-14', true, 'Saturday make-up day before Spring Festival'],
    ['2026-02-23', false, 'Spring Festival, Monday'],
    ['2026-11-21', false, 'plain Saturday'],
    ['2026-11-23', true, 'plain Monday'],
    ['2027-01-01', true, 'no data: Friday counts as working day unless overridden'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(calendar.isWorkday(date)).toBe(expected);
  });

  it('lets overrides take precedence over the library', () => {
    const local = new WorkingDayCalendar([
      { date: '2026-11-23', kind: 'holiday', note: '地方节日' },
      { date: '2026-10-03', kind: 'workday' },
    ]);
    expect(local.isWorkday('2026-11-23')).toBe(false);
    expect(local.isWorkday('2026-10-03')).toBe(true);
    expect(local.addWorkingDays('2026-11-20', 1).date).toBe('2026-11-24');
    expect(local.overrideFor('2026-11-23')).toEqual({ date: '2026-11-23', kind: 'holiday', note: '地方节日' });
    expect(local.overrideFor('2026-11-24')).toBeUndefined();
  });

  it('agrees with the chinese-days API on every day of the covered years', () => {
    const mismatches: string[] = [];
    for (let date = '2004-01-01'; date <= '2026-12-31'; date = addCalendarDays(date, 1)) {
      if (calendar.isWorkday(date) !== libraryIsWorkday(date)) mismatches.push(date);
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses duplicate or malformed overrides', () => {
    expect(() => new WorkingDayCalendar([NEW_YEAR_2027, { date: '2027-01-01', kind: 'workday' }])).toThrow(/twice/);
    expect(() => new WorkingDayCalendar([{ date: '2027-02-30', kind: 'holiday' }])).toThrow(RangeError);
  });
});

describe('WorkingDayCalendar coverage', () => {
  it('derives the covered years from the library data', () => {
    const years = libraryCoveredYears();
    expect(years[0]).toBe(2004);
    expect(years).toContain(2025);
    expect(years).toContain(2026);
    expect(years).toEqual([...years].sort((a, b) => a - b));
    expect(calendar.coveredYears()).toEqual(years);
  });

  it.each([
    ['2026-12-31', true],
    ['2004-01-01', true],
    ['2027-01-01', false],
    ['2003-12-31', false],
  ])('isCovered(%s) → %s', (date, expected) => {
    expect(calendar.isCovered(date)).toBe(expected);
  });

  it('adds the years declared by the override file', () => {
    const extended = new WorkingDayCalendar([], [2027]);
    expect(extended.isCovered('2027-06-01')).toBe(true);
    expect(extended.coveredYears().slice(-2)).toEqual([2026, 2027]);
  });

  it('lists the uncovered dates of a window that starts with its first day', () => {
    expect(calendar.uncoveredDates('2026-12-30', 5)).toEqual(['2027-01-01', '2027-01-02', '2027-01-03']);
    expect(calendar.uncoveredDates('2026-11-16', 30)).toEqual([]);
    expect(calendar.uncoveredDates('2027-03-01', 1)).toEqual(['2027-03-01']);
    expect(new WorkingDayCalendar([], [2027]).uncoveredDates('2026-12-30', 5)).toEqual([]);
  });
});

describe('WorkingDayCalendar.nextWorkday and countWorkingDays', () => {
  it.each([
    ['2026-09-30', false, '2026-10-08'],
    ['2026-10-01', true, '2026-10-08'],
    ['2026-10-08', true, '2026-10-08'],
    ['2026-10-08', false, '2026-10-09'],
    ['2026-10-09', false, '2026-10-10'],
    ['2026-02-13', false, '2026-02-14'],
  ])('nextWorkday(%s, includeSelf %s) → %s', (date, includeSelf, expected) => {
    expect(calendar.nextWorkday(date, includeSelf)).toBe(expected);
  });

  it('counts working days after the start up to the end', () => {
    expect(calendar.countWorkingDays('2026-09-24', '2026-10-12')).toBe(7);
    expect(calendar.countWorkingDays('2026-09-30', '2026-10-10')).toBe(3);
    expect(calendar.countWorkingDays('2026-10-10', '2026-09-30')).toBe(0);
  });
});

describe('loadCalendarOverrides', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'holiday-overrides-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function write(content: unknown): string {
    const path = join(dir, 'holiday-overrides.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  function errorOf(path: string): ConfigError {
    try {
      loadCalendarOverrides(path);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('treats a missing file as no overrides', () => {
    expect(loadCalendarOverrides(join(dir, 'none.json'))).toEqual({ coveredYears: [], days: [] });
  });

  it('loads the repository file (empty but valid, with its _comment)', () => {
    expect(loadCalendarOverrides(resolve(__dirname, '../../../config/holiday-overrides.json'))).toEqual({
      coveredYears: [],
      days: [],
    });
  });

  it('loads years and days, and WorkingDayCalendar.fromFile uses them', () => {
    const path = write({
      _comment: '2027 schedule',
      coveredYears: [2028, 2027],
      days: [NEW_YEAR_2027, { date: '2027-02-06', kind: 'workday' }],
    });
    expect(loadCalendarOverrides(path)).toEqual({
      coveredYears: [2027, 2028],
      days: [NEW_YEAR_2027, { date: '2027-02-06', kind: 'workday' }],
    });
    const fromFile = WorkingDayCalendar.fromFile(path);
    expect(fromFile.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', provisional: false });
    expect(fromFile.isWorkday('2027-02-06')).toBe(true);
  });

  it.each([
    [{ days: [{ date: '2027-01-01', kind: 'off' }] }, 'days[0].kind', 'must be "holiday" or "workday"'],
    [{ days: [NEW_YEAR_2027, { kind: 'holiday' }] }, 'days[1]', 'missing "date"'],
    [{ days: [{ date: '2027/01/01', kind: 'holiday' }] }, 'days[0].date', 'YYYY-MM-DD'],
    [{ days: [{ date: '2027-02-30', kind: 'holiday' }] }, 'days[0].date', 'not a calendar date'],
    [{ days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] }, 'days[0]', 'unknown key "name"'],
    [{ coveredYears: [2027, 2027] }, 'coveredYears', 'listed twice'],
    [{ coveredYears: ['2027'] }, 'coveredYears[0]', 'must be integer'],
    [{ holidays: [] }, '', 'unknown key "holidays"'],
  ])('refuses %j, naming %s', (content, where, problem) => {
    const path = write(content);
    const err = errorOf(path);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].variable).toBe(where ? `${path}: ${where}` : path);
    expect(err.problems[0].problem).toContain(problem);
    expect(err.problems[0].example).toBeTruthy();
    expect(err.message).toContain(path);
  });

  it('refuses a date listed twice and names both entries, with an example of a right entry', () => {
    const path = write({ days: [NEW_YEAR_2027, { date: '2027-01-04', kind: 'workday' }, { date: '2027-01-01', kind: 'workday' }] });
    const err = errorOf(path);
    expect(err.problems).toEqual([
      expect.objectContaining({ variable: `${path}: days[2].date`, example: '{ "date": "2027-01-01", "kind": "holiday", "note": "元旦" }' }),
    ]);
    expect(err.problems[0].problem).toContain('days[0]');
    expect(err.message).toContain('days[2].date');
    expect(err.message).toContain('"kind": "holiday"');
  });

  it('names the file of invalid JSON', () => {
    const path = write('{ "days": [], }');
    const err = errorOf(path);
    expect(err.problems[0].variable).toBe(path);
    expect(err.problems[0].problem).toMatch(/not valid JSON/);
  });
});
