import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { ConfigError, type ConfigProblem } from '../../shared/errors';
import { shanghaiInstant, toShanghaiDate } from '../../shared/shanghai-time';
import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import { DEADLINE_KINDS, type DeadlineKind, type ReminderRole } from './deadline-entities';

/** One rung of a reminder ladder (DOMAIN §3.5). */
export interface LadderStep {
  step: string;
  /** the notice sent when the deadline is set (at once, or at the next allowed moment) */
  announce?: boolean;
  /** working days relative to the due date: −2 = two working days before, 0 = the due day, 1 = the first after */
  workdays?: number;
  /** Beijing time HH:mm */
  at?: string;
  /** default: the liaison */
  to?: ReminderRole[];
}

export type Ladders = Record<string, LadderStep[]>;

export interface OfficeHours {
  start: string;
  end: string;
}

const STEP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['step'],
  properties: {
    step: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' },
    announce: { type: 'boolean' },
    workdays: { type: 'integer', minimum: -30, maximum: 30 },
    at: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
    to: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['liaison', 'leader'] } },
  },
} as const;

const FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['ladders'],
  properties: {
    _comment: { type: 'string' },
    ladders: {
      type: 'object',
      required: ['default'],
      properties: Object.fromEntries(['default', 'filing', ...DEADLINE_KINDS].map((name) => [name, { type: 'array', minItems: 1, items: STEP_SCHEMA }])),
      additionalProperties: false,
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateFile = ajv.compile(FILE_SCHEMA);
const RIGHT_STEP = '{ "step": "before-1", "workdays": -1, "at": "09:00", "to": ["liaison"] }';

/** The built-in ladders, used when the file is missing (the same as config/reminder-ladders.json). */
export const DEFAULT_LADDERS: Ladders = {
  default: [
    { step: 'announce', announce: true },
    { step: 'before-1', workdays: -1, at: '09:00' },
    { step: 'due-day', workdays: 0, at: '09:00' },
    { step: 'overdue', workdays: 1, at: '09:30', to: ['liaison', 'leader'] },
  ],
};

/**
 * Read the ladder file. A missing file means the built-in ladders; a bad one throws a ConfigError that names the
 * file, the place (`ladders.rectification[2].workdays`), what is wrong and a right step.
 */
export function loadReminderLadders(path: string): Ladders {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_LADDERS;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError([{ variable: path, problem: `not valid JSON: ${(err as Error).message}`, example: `{ "ladders": { "default": [${RIGHT_STEP}] } }` }]);
  }
  if (!validateFile(data)) throw new ConfigError((validateFile.errors ?? []).map((e) => schemaProblem(path, e)));
  const ladders = (data as { ladders: Ladders }).ladders;
  const problems: ConfigProblem[] = [];
  for (const [name, steps] of Object.entries(ladders)) {
    const seen = new Set<string>();
    steps.forEach((s, i) => {
      const where = `${path}: ladders.${name}[${i}]`;
      if (seen.has(s.step)) problems.push({ variable: where, problem: `step "${s.step}" appears twice in the ladder`, example: RIGHT_STEP });
      seen.add(s.step);
      if (s.announce && (s.workdays !== undefined || s.at !== undefined)) {
        problems.push({ variable: where, problem: 'an announce step has no workdays or at: it goes out when the deadline is set', example: '{ "step": "announce", "announce": true }' });
      }
      if (!s.announce && (s.workdays === undefined || s.at === undefined)) {
        problems.push({ variable: where, problem: 'needs workdays and at (or announce: true)', example: RIGHT_STEP });
      }
    });
  }
  if (problems.length) throw new ConfigError(problems);
  return ladders;
}

function schemaProblem(path: string, e: ErrorObject): ConfigProblem {
  const at = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.') || '(the file)';
  let problem = e.message ?? 'is not valid';
  if (e.keyword === 'additionalProperties') problem = `unknown key "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'additionalProperties' && at === 'ladders') {
    problem = `${problem}: ladders are named default, filing or a deadline kind (${DEADLINE_KINDS.join(', ')})`;
  }
  return { variable: `${path}: ${at}`, problem, example: RIGHT_STEP };
}

/** The ladder name of a deadline kind: its own, else filing for the filing kinds, else default. */
export function ladderFor(ladders: Ladders, kind: DeadlineKind): string {
  if (ladders[kind]) return kind;
  if (kind.startsWith('filing') && ladders.filing) return 'filing';
  return 'default';
}

/** Inside office hours on a working day; otherwise the next such moment (the start of the next office period). */
export function nextAllowedMoment(instant: Date, calendar: WorkingDayCalendar, hours: OfficeHours): Date {
  let date = toShanghaiDate(instant);
  const start = shanghaiInstant(date, hours.start);
  const end = shanghaiInstant(date, hours.end);
  if (calendar.isWorkday(date)) {
    if (instant < start) return start;
    if (instant < end) return instant;
  }
  date = calendar.nextWorkday(date);
  return shanghaiInstant(date, hours.start);
}

export interface PlannedStep {
  step: LadderStep;
  index: number;
  /** when it goes out, inside office hours on a working day */
  at: Date;
  roles: ReminderRole[];
  /** an overdue step: goes out after the deadline (and only while the deliverable is still missing) */
  overdue: boolean;
  provisional: boolean;
}

/**
 * When each step of a ladder goes out for a deadline due at `dueAt` (Beijing date `dueOn`), announced at
 * `announcedAt`. Steps before the announcement are dropped (the notice covers them), as are steps before the
 * deadline that would only fall after it once moved into office hours. Sorted by time.
 */
export function planLadder(
  steps: LadderStep[],
  deadline: { dueOn: string; dueAt: Date },
  announcedAt: Date,
  calendar: WorkingDayCalendar,
  hours: OfficeHours,
): PlannedStep[] {
  const planned: PlannedStep[] = [];
  const announce = nextAllowedMoment(announcedAt, calendar, hours);
  steps.forEach((step, index) => {
    const roles = step.to ?? ['liaison'];
    if (step.announce) {
      if (announce < deadline.dueAt) planned.push({ step, index, at: announce, roles, overdue: false, provisional: false });
      return;
    }
    const n = step.workdays ?? 0;
    let date = deadline.dueOn;
    let provisional = false;
    if (n > 0) ({ date, provisional } = calendar.addWorkingDays(deadline.dueOn, n));
    else if (n < 0) ({ date, provisional } = calendar.subtractWorkingDays(deadline.dueOn, -n));
    const at = nextAllowedMoment(shanghaiInstant(date, step.at ?? hours.start), calendar, hours);
    const overdue = at >= deadline.dueAt;
    if (overdue && n <= 0) return; // a reminder that could only arrive after the deadline makes no sense
    if (at < announcedAt) return; // before the deadline was set: the notice covers it
    planned.push({ step, index, at, roles, overdue, provisional });
  });
  return planned.sort((a, b) => a.at.getTime() - b.at.getTime() || a.index - b.index);
}

/** End of the office day of `date`, the default time of a deadline given as a date alone (DOMAIN §5.3). */
export function endOfOfficeDay(date: string, hours: OfficeHours): Date {
  return shanghaiInstant(date, hours.end);
}
