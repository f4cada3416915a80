import { resolve } from 'node:path';
import type { AppConfig } from '../../config/app-config';
import { loadCalendarOverrides, WorkingDayCalendar } from '../calendar/working-day-calendar';
import type { DeadlineRules } from './deadline-service';
import { loadReminderLadders } from './reminder-ladder';

/**
 * The holiday calendar (library + override file), the reminder ladders and the office hours, read from the
 * configuration. A bad override or ladder file throws a ConfigError that names the file and the entry.
 */
export function loadDeadlineRules(config: AppConfig, baseDir = process.cwd()): DeadlineRules {
  const overrides = loadCalendarOverrides(resolve(baseDir, config.calendar.overridesFile));
  return {
    calendar: new WorkingDayCalendar(overrides.days, overrides.coveredYears),
    ladders: loadReminderLadders(resolve(baseDir, config.reminders.laddersFile)),
    hours: { start: config.reminders.officeStart, end: config.reminders.officeEnd },
  };
}
