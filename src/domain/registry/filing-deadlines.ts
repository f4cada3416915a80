import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import type { FilingDeadlines } from './filing-service';
import type { FilingType } from './vocabulary';

/**
 * R1 / R2: a filing is due N working days after the event (day 0 = the event date, not counted; DOMAIN §5.3).
 * Openings and the other filings have their own N (configurable; 3 and 5 by default).
 */
export function workingDayDeadlines(calendar: WorkingDayCalendar, days: { open: number; other: number }): FilingDeadlines {
  return {
    dueOn(eventOn: string, type: FilingType) {
      const result = calendar.addWorkingDays(eventOn, type === 'open' ? days.open : days.other);
      return { dueOn: result.date, provisional: result.provisional };
    },
  };
}
