import {
  addCalendarDays,
  daysBetween,
  formatDateCn,
  formatInstantCn,
  isDateOnly,
  shanghaiInstant,
  toShanghaiDate,
  weekdayCn,
} from '../../../src/shared/shanghai-time';

describe('toShanghaiDate', () => {
  it.each([
    ['2026-03-01T15:59:59.999Z', '2026-03-01'],
    ['2026-03-01T16:00:00.000Z', '2026-03-02'],
    ['2026-12-31T16:00:00Z', '2027-01-01'],
    ['2024-02-28T17:00:00Z', '2024-02-29'],
    ['2026-03-02T00:00:00+08:00', '2026-03-02'],
  ])('%s → %s', (iso, date) => {
    expect(toShanghaiDate(new Date(iso))).toBe(date);
  });

  it('refuses an invalid Date', () => {
    expect(() => toShanghaiDate(new Date('x'))).toThrow(RangeError);
  });
});

describe('shanghaiInstant', () => {
  it.each([
    ['2026-03-02', undefined, '2026-03-01T16:00:00.000Z'],
    ['2026-03-02', '15:00', '2026-03-02T07:00:00.000Z'],
    ['2026-03-02', '7:05', '2026-03-01T23:05:00.000Z'],
    ['2026-07-31', '23:59:59', '2026-07-31T15:59:59.000Z'],
    ['2027-01-01', '00:00', '2026-12-31T16:00:00.000Z'],
  ])('%s %s → %s', (date, time, iso) => {
    expect(shanghaiInstant(date, time).toISOString()).toBe(iso);
  });

  it('is the inverse of toShanghaiDate', () => {
    expect(toShanghaiDate(shanghaiInstant('2026-11-21', '23:59'))).toBe('2026-11-21');
    expect(toShanghaiDate(shanghaiInstant('2026-11-21'))).toBe('2026-11-21');
  });

  it.each([
    ['2026-02-30', '00:00'],
    ['2026-3-2', '00:00'],
    ['2026-03-02', '24:00'],
    ['2026-03-02', '12:60'],
    ['2026-03-02', 'noon'],
  ])('refuses %s %s', (date, time) => {
    expect(() => shanghaiInstant(date, time)).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it.each([
    ['2026-03-02', '2026年3月2日', '周一'],
    ['2026-10-10', '2026年10月10日', '周六'],
    ['2026-11-22', '2026年11月22日', '周日'],
    ['2024-02-29', '2024年2月29日', '周四'],
  ])('%s → %s %s', (date, cn, weekday) => {
    expect(formatDateCn(date)).toBe(cn);
    expect(weekdayCn(date)).toBe(weekday);
  });

  it.each([
    ['2026-03-02T07:00:00Z', '2026年3月2日 15:00'],
    ['2026-03-01T16:05:00Z', '2026年3月2日 00:05'],
    ['2026-03-02T01:30:59Z', '2026年3月2日 09:30'],
  ])('formatInstantCn(%s) → %s', (iso, text) => {
    expect(formatInstantCn(new Date(iso))).toBe(text);
  });

  it('refuses a malformed date', () => {
    expect(() => formatDateCn('2026/03/02')).toThrow(RangeError);
    expect(() => weekdayCn('2026-13-01')).toThrow(RangeError);
  });
});

describe('calendar arithmetic', () => {
  it.each([
    ['2026-02-27', 2, '2026-03-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-02', 0, '2026-03-02'],
    ['2026-01-01', 365, '2027-01-01'],
  ])('addCalendarDays(%s, %i) → %s', (date, n, expected) => {
    expect(addCalendarDays(date, n)).toBe(expected);
    expect(daysBetween(date, expected)).toBe(n);
  });

  it('refuses a fractional day count', () => {
    expect(() => addCalendarDays('2026-03-02', 1.5)).toThrow(RangeError);
  });

  it.each([
    ['2026-03-02', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-3-2', false],
    ['20260302', false],
  ])('isDateOnly(%s) → %s', (date, expected) => {
    expect(isDateOnly(date)).toBe(expected);
  });
});
