import type { Clock } from '../shared/clock';

/** A clock the sandbox can move forward (the sandbox clock, or a test's offset clock). */
export interface MovableClock extends Clock {
  advance(ms: number): void;
}

export function isMovable(clock: Clock): clock is MovableClock {
  return typeof (clock as Partial<MovableClock>).advance === 'function';
}

/**
 * Real time plus an offset that only grows: the sandbox's control moves it forward (to the next working day, to a
 * deadline) so reminders and escalations arrive without waiting, while time keeps flowing between the jumps, so
 * leases, timeouts and the once-a-minute jobs go on working. The offset is kept in the database (sandbox_state),
 * so a restart does not send the sandbox back in time.
 */
export class SandboxClock implements MovableClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Jump forward by `ms`; never backward (queues and leases rely on time not going back). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`SandboxClock.advance: ${ms} is not a duration ≥ 0`);
    this.offsetMs += ms;
  }

  /** How far the sandbox is ahead of real time, in milliseconds. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Take up the offset stored before a restart (a larger one only). */
  restore(offsetMs: number): void {
    if (Number.isFinite(offsetMs) && offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }
}
