import { performance } from 'node:perf_hooks';

/** How often the event loop's delay is sampled. */
const SAMPLE_MS = 5;
/** A loop late by more than this while callbacks arrive means callbacks are queueing unread. */
const LAG_LIMIT_MS = 4;
/** Callbacks count as arriving when the last one came within this. */
const RECENT_MS = 100;
/** Under pressure, background work pauses this many times as long as it worked (it keeps a fifth of the time). */
const PAUSE_FACTOR = 4;
/** Longest single pause. */
const MAX_PAUSE_MS = 50;

/**
 * Keeps the answers to WeCom callbacks ahead of the background work of the same process.
 *
 * WeCom waits at most 5 s for the answer to a callback and then sends it again, so a burst answered late grows by
 * itself; the reply to a message, which leaves through the outbox, may come a moment later. In one event loop the
 * callbacks that wait are invisible (unread in their sockets), so the signal is the loop's own delay: while callbacks
 * arrive and the loop runs late, background work (processing stored messages, sending) pauses after each piece,
 * four times as long as the piece took. It never stops: under a steady stream it keeps a fifth of the time, and
 * without pressure it runs freely, so the backlog of a burst is worked off as soon as the burst is over.
 */
export class CallbackLoad {
  private inFlight = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;
  private lagMs = 0;
  private pauseUntil = 0;
  private sampler: NodeJS.Timeout | undefined;

  /** Start sampling the event loop's delay (a cheap timer; unref'd). */
  start(): void {
    if (this.sampler) return;
    let expected = performance.now() + SAMPLE_MS;
    this.sampler = setInterval(() => {
      const now = performance.now();
      // the largest recent delay, fading: one punctual tick does not clear a busy loop
      this.lagMs = Math.max(now - expected, this.lagMs * 0.5);
      expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    this.sampler.unref?.();
  }

  stop(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    this.lagMs = 0;
  }

  /** A callback arrived; call the returned function once it is answered. */
  begin(): () => void {
    this.inFlight++;
    this.lastArrival = performance.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
    };
  }

  /** True while callbacks arrive and wait: one is being received, or the loop runs late. */
  get pressed(): boolean {
    if (performance.now() - this.lastArrival > RECENT_MS) return false;
    return this.inFlight > 0 || this.lagMs > LAG_LIMIT_MS;
  }

  /**
   * Called by background work before its next piece, with how long the last piece took. Under pressure it waits;
   * otherwise it resolves at once. All background work shares one schedule: each piece moves the end of it by its
   * own length plus its pause, also when it ran while another piece's pause was on, so pieces that overlap are all
   * counted and background work keeps a fifth of the time however many workers there are.
   */
  async pace(lastWorkMs: number): Promise<void> {
    if (!this.pressed) return;
    const now = performance.now();
    const work = Math.max(0, lastWorkMs);
    const pause = Math.min(MAX_PAUSE_MS, Math.max(1, work * PAUSE_FACTOR));
    this.pauseUntil = Math.max(this.pauseUntil, now - work) + work + pause;
    const wait = this.pauseUntil - now;
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(wait, MAX_PAUSE_MS * 4)));
  }
}
