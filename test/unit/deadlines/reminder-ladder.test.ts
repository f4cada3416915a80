/**
 * When the reminders of a deadline go out (DOMAIN §3.5), with the real holiday data of chinese-days: 2026 国庆 is
 * 10-01..10-07 off, with the make-up working days Sunday 09-20 and Saturday 10-10; 2027 has no data yet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkingDayCalendar, libraryCoveredYears } from '../../../src/domain/calendar/working-day-calendar';
import {
  DEFAULT_LADDERS,
  endOfOfficeDay,
  ladderFor,
  loadReminderLadders,
  nextAllowedMoment,
  planLadder,
  type LadderStep,
  type PlannedStep,
} from '../../../src/domain/deadlines/reminder-ladder';
import { ConfigError } from '../../../src/shared/errors';
import { addCalendarDays, shanghaiInstant, toShanghaiDate } from '../../../src/shared/shanghai-time';

const calendar = new WorkingDayCalendar([], libraryCoveredYears());
const HOURS = { start: '09:00', end: '17:30' };
const LADDER = DEFAULT_LADDERS.default;
const bj = (date: string, time: string): Date => shanghaiInstant(date, time);

/** A plan as [step, Beijing date and time, overdue, provisional, roles]: readable in a failure. */
function summary(plan: PlannedStep[]): Array<[string, string, boolean, boolean, string]> {
  return plan.map((p) => [p.step.step, beijing(p.at), p.overdue, p.provisional, p.roles.join('+')]);
}

function beijing(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

function plan(dueOn: string, dueTime: string | null, announcedAt: Date, steps: LadderStep[] = LADDER): PlannedStep[] {
  const dueAt = dueTime ? bj(dueOn, dueTime) : endOfOfficeDay(dueOn, HOURS);
  return planLadder(steps, { dueOn, dueAt }, announcedAt, calendar, HOURS);
}

describe('nextAllowedMoment (office hours 09:00–17:30 on working days)', () => {
  it.each([
    ['inside office hours: unchanged', bj('2026-11-18', '10:15'), '2026-11-18 10:15'],
    ['at the start of office hours: unchanged', bj('2026-11-18', '09:00'), '2026-11-18 09:00'],
    ['before the office opens: 09:00 the same day', bj('2026-11-18', '07:40'), '2026-11-18 09:00'],
    ['at 17:30 sharp (the end is exclusive): the next working day', bj('2026-11-18', '17:30'), '2026-11-19 09:00'],
    ['Friday 20:00: Monday 09:00', bj('2026-11-20', '20:00'), '2026-11-23 09:00'],
    ['Saturday noon: Monday 09:00', bj('2026-11-21', '12:00'), '2026-11-23 09:00'],
    ['inside the National Day holiday: 10-08 09:00', bj('2026-10-03', '11:00'), '2026-10-08 09:00'],
    ['the evening before the holiday: after it', bj('2026-09-30', '18:00'), '2026-10-08 09:00'],
    ['Friday 10-09 evening: the make-up Saturday 10-10', bj('2026-10-09', '19:00'), '2026-10-10 09:00'],
    ['the make-up Saturday itself is a working day', bj('2026-10-10', '14:00'), '2026-10-10 14:00'],
    ['the make-up Sunday 09-20 before office hours', bj('2026-09-20', '08:00'), '2026-09-20 09:00'],
    ['an ordinary Sunday before the make-up Sunday: that Sunday', bj('2026-09-19', '10:00'), '2026-09-20 09:00'],
  ])('%s', (_what, instant, expected) => {
    expect(beijing(nextAllowedMoment(instant, calendar, HOURS))).toBe(expected);
  });
});

describe('planLadder with the default ladder', () => {
  it('plans a deadline 2026-10-09 15:00 announced 2026-09-29 10:00 around the National Day holiday', () => {
    expect(summary(plan('2026-10-09', '15:00', bj('2026-09-29', '10:00')))).toEqual([
      ['announce', '2026-09-29 10:00', false, false, 'liaison'],
      ['before-1', '2026-10-08 09:00', false, false, 'liaison'],
      ['due-day', '2026-10-09 09:00', false, false, 'liaison'],
      ['overdue', '2026-10-10 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('keeps the ladder index of each step, so a later step can supersede an earlier one', () => {
    expect(plan('2026-10-09', '15:00', bj('2026-09-29', '10:00')).map((p) => p.index)).toEqual([0, 1, 2, 3]);
  });

  it('counts working days over the holiday for a longer ladder: before-3 of 10-09 is 09-29', () => {
    const rectification: LadderStep[] = [
      { step: 'announce', announce: true },
      { step: 'before-3', workdays: -3, at: '09:00' },
      { step: 'before-1', workdays: -1, at: '09:00' },
      { step: 'due-day', workdays: 0, at: '09:00' },
    ];
    expect(summary(plan('2026-10-09', '15:00', bj('2026-09-28', '10:00'), rectification))).toEqual([
      ['announce', '2026-09-28 10:00', false, false, 'liaison'],
      ['before-3', '2026-09-29 09:00', false, false, 'liaison'],
      ['before-1', '2026-10-08 09:00', false, false, 'liaison'],
      ['due-day', '2026-10-09 09:00', false, false, 'liaison'],
    ]);
  });

  it('plans nothing inside 10-01..10-07, and only inside office hours, whenever the deadline is set and due', () => {
    const holiday = new Set(Array.from({ length: 7 }, (_, i) => `2026-10-0${i + 1}`));
    const misplaced: string[] = [];
    let steps = 0;
    for (let a = 0; a < 14; a++) {
      const announceDay = addCalendarDays('2026-09-26', a);
      for (const announceTime of ['08:00', '10:00', '16:00', '20:00']) {
        const announcedAt = bj(announceDay, announceTime);
        for (let d = 0; d < 16; d++) {
          const dueOn = addCalendarDays('2026-09-28', d);
          const dueAt = bj(dueOn, '15:00');
          if (dueAt <= announcedAt) continue;
          for (const p of planLadder(LADDER, { dueOn, dueAt }, announcedAt, calendar, HOURS)) {
            steps++;
            const date = toShanghaiDate(p.at);
            const inHours = p.at >= bj(date, HOURS.start) && p.at < bj(date, HOURS.end);
            if (holiday.has(date) || !calendar.isWorkday(date) || !inHours) misplaced.push(`${dueOn} ${p.step.step} ${beijing(p.at)}`);
          }
        }
      }
    }
    expect(misplaced).toEqual([]);
    expect(steps).toBeGreaterThan(500);
  });

  it('moves an announcement made during the holiday, and a before-1 step landing on it, to 10-08 09:00', () => {
    expect(summary(plan('2026-10-09', '15:00', bj('2026-09-30', '20:00')))).toEqual([
      ['announce', '2026-10-08 09:00', false, false, 'liaison'],
      ['before-1', '2026-10-08 09:00', false, false, 'liaison'],
      ['due-day', '2026-10-09 09:00', false, false, 'liaison'],
      ['overdue', '2026-10-10 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('drops a step whose time lies before the announcement (the notice covers it)', () => {
    expect(summary(plan('2026-10-09', '15:00', bj('2026-10-08', '10:00')))).toEqual([
      ['announce', '2026-10-08 10:00', false, false, 'liaison'],
      ['due-day', '2026-10-09 09:00', false, false, 'liaison'],
      ['overdue', '2026-10-10 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('moves an announcement made on a Friday at 20:00 to Monday 09:00', () => {
    expect(summary(plan('2026-11-27', '15:00', bj('2026-11-20', '20:00')))).toEqual([
      ['announce', '2026-11-23 09:00', false, false, 'liaison'],
      ['before-1', '2026-11-26 09:00', false, false, 'liaison'],
      ['due-day', '2026-11-27 09:00', false, false, 'liaison'],
      ['overdue', '2026-11-30 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('keeps only the announcement and the overdue step for a deadline due 15:00 announced at 14:00 the same day', () => {
    expect(summary(plan('2026-11-18', '15:00', bj('2026-11-18', '14:00')))).toEqual([
      ['announce', '2026-11-18 14:00', false, false, 'liaison'],
      ['overdue', '2026-11-19 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('drops the announcement too when its next allowed moment is after the deadline (set at 18:00, due 20:00)', () => {
    expect(summary(plan('2026-11-18', '20:00', bj('2026-11-18', '18:00')))).toEqual([['overdue', '2026-11-19 09:30', true, false, 'liaison+leader']]);
  });

  it('drops the due-day step of a fixed due date on a Sunday (it could only arrive after the deadline); before-1 is the Friday', () => {
    // due Sunday 2026-11-22, as a date alone: the end of that office day, 17:30
    expect(summary(plan('2026-11-22', null, bj('2026-11-16', '10:00')))).toEqual([
      ['announce', '2026-11-16 10:00', false, false, 'liaison'],
      ['before-1', '2026-11-20 09:00', false, false, 'liaison'],
      ['overdue', '2026-11-23 09:30', true, false, 'liaison+leader'],
    ]);
  });

  it('marks the steps counted through 2027 (no holiday data) provisional; the due date itself is fixed by the office', () => {
    expect(calendar.isCovered('2027-03-10')).toBe(false);
    expect(summary(plan('2027-03-10', '15:00', bj('2027-03-01', '10:00')))).toEqual([
      ['announce', '2027-03-01 10:00', false, false, 'liaison'],
      ['before-1', '2027-03-09 09:00', false, true, 'liaison'],
      ['due-day', '2027-03-10 09:00', false, false, 'liaison'],
      ['overdue', '2027-03-11 09:30', true, true, 'liaison+leader'],
    ]);
  });

  it('marks before-1 of 2027-01-04 provisional: without 2027 data it lands on 01-01 (元旦), a Friday to the library', () => {
    expect(summary(plan('2027-01-04', '15:00', bj('2026-12-28', '10:00')))).toEqual([
      ['announce', '2026-12-28 10:00', false, false, 'liaison'],
      ['before-1', '2027-01-01 09:00', false, true, 'liaison'],
      ['due-day', '2027-01-04 09:00', false, false, 'liaison'],
      ['overdue', '2027-01-05 09:30', true, true, 'liaison+leader'],
    ]);
  });
});

describe('ladderFor', () => {
  const ladders = { default: LADDER, filing: LADDER.slice(1), rectification: LADDER };
  it.each([
    ['rectification', 'rectification'],
    ['filingOpen', 'filing'],
    ['filingCancel', 'filing'],
    ['custom', 'default'],
    ['annualReport', 'default'],
  ] as const)('%s → %s', (kind, expected) => {
    expect(ladderFor(ladders, kind)).toBe(expected);
  });
  it('falls back to default for a filing kind when there is no filing ladder', () => {
    expect(ladderFor({ default: LADDER }, 'filingChange')).toBe('default');
  });
});

describe('loadReminderLadders', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ladders-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let files = 0;
  const write = (content: unknown): string => {
    const path = join(dir, `ladders-${++files}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };
  const errorOf = (path: string): ConfigError => {
    try {
      loadReminderLadders(path);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };
  const RIGHT_STEP = '{ "step": "before-1", "workdays": -1, "at": "09:00", "to": ["liaison"] }';

  it('gives the built-in ladders when the file is missing', () => {
    expect(loadReminderLadders(join(dir, 'missing.json'))).toBe(DEFAULT_LADDERS);
  });

  it('loads the repository file, whose default ladder is the built-in one', () => {
    const ladders = loadReminderLadders(resolve(__dirname, '../../../config/reminder-ladders.json'));
    expect(ladders.default).toEqual(DEFAULT_LADDERS.default);
    expect(Object.keys(ladders).sort()).toEqual(['default', 'filing', 'rectification', 'selfCheckReport']);
    expect(ladders.rectification.map((s) => s.step)).toEqual(['announce', 'before-3', 'before-1', 'due-day', 'overdue']);
  });

  it('loads a valid file with a byte-order mark', () => {
    const path = write(`\uFEFF${JSON.stringify({ ladders: { default: [{ step: 'due-day', workdays: 0, at: '10:00' }] } })}`);
    expect(loadReminderLadders(path)).toEqual({ default: [{ step: 'due-day', workdays: 0, at: '10:00' }] });
  });

  it('names the file of invalid JSON', () => {
    const path = write('{ "ladders": { "default": [ }');
    const err = errorOf(path);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].variable).toBe(path);
    expect(err.problems[0].problem).toMatch(/^not valid JSON: /);
    expect(err.message).toContain(path);
  });

  it('refuses an unknown ladder name and says which names exist', () => {
    const path = write({ ladders: { default: LADDER, rectifcation: LADDER } });
    const err = errorOf(path);
    expect(err.problems).toEqual([
      {
        variable: `${path}: ladders`,
        problem:
          'unknown key "rectifcation": ladders are named default, filing or a deadline kind (filingOpen, filingChange, filingSuspend, filingCancel, selfCheckReport, rectification, registryReview, annualReport, custom)',
        example: RIGHT_STEP,
      },
    ]);
  });

  it('lists every problem of the steps in one error, each with the file and the place', () => {
    const path = write({
      ladders: {
        default: [
          { step: 'announce', announce: true },
          { step: 'before-1', workdays: -1, at: '09:00' },
          { step: 'before-1', workdays: -2, at: '09:00' },
        ],
        rectification: [
          { step: 'announce', announce: true, workdays: -1 },
          { step: 'due-day', workdays: 0 },
        ],
      },
    });
    const err = errorOf(path);
    expect(err.problems).toEqual([
      { variable: `${path}: ladders.default[2]`, problem: 'step "before-1" appears twice in the ladder', example: RIGHT_STEP },
      {
        variable: `${path}: ladders.rectification[0]`,
        problem: 'an announce step has no workdays or at: it goes out when the deadline is set',
        example: '{ "step": "announce", "announce": true }',
      },
      { variable: `${path}: ladders.rectification[1]`, problem: 'needs workdays and at (or announce: true)', example: RIGHT_STEP },
    ]);
    expect(err.message).toContain('3 problems');
    expect(err.message).toContain(`${path}: ladders.rectification[1]`);
  });

  it('refuses a file without a default ladder and a step of the wrong shape, naming each place', () => {
    const path = write({ ladders: { rectification: [{ step: 'Before 1', workdays: -1, at: '9:00' }] } });
    const err = errorOf(path);
    expect(err.problems.map((p) => p.variable)).toEqual([
      `${path}: ladders`,
      `${path}: ladders.rectification[0].step`,
      `${path}: ladders.rectification[0].at`,
    ]);
    expect(err.problems[0].problem).toBe("must have required property 'default'");
  });
});
