import type { Clock } from '../../src/shared/clock';

/**
 * A clock that runs with real time plus a settable offset: it can stand on a fixed Beijing time and jump forward,
 * while time keeps flowing between the jumps, so leases, timeouts and timers that compare two readings still work.
 * (ManualClock stands still: fine for unit tests, not for a running bot.)
 */
export class OffsetClock implements Clock {
  private offsetMs: number;

  /** `start`: the time the clock shows now (default: real time). */
  constructor(start?: Date | string | number) {
    this.offsetMs = start === undefined ? 0 : toMs(start) - Date.now();
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Make the clock show `to` now; it keeps running from there. */
  set(to: Date | string | number): void {
    this.offsetMs = toMs(to) - Date.now();
  }

  /** Jump forward by `ms` (never backward: leases and queues rely on time not going back). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`OffsetClock.advance: ${ms} is not a duration ≥ 0`);
    this.offsetMs += ms;
  }

  /** How far this clock is ahead of real time (negative: behind). */
  get offset(): number {
    return this.offsetMs;
  }
}

function toMs(value: Date | string | number): number {
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`OffsetClock: ${String(value)} is not a date`);
  return ms;
}
