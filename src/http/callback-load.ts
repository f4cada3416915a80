/**
 * How many WeCom callbacks are being received right now (between the request and its answer).
 *
 * WeCom waits at most 5 s for the answer to a callback and then sends it again, so a burst of callbacks that is
 * answered late grows by itself. Background work that can wait (processing stored messages, which the outbox
 * answers later) asks this gauge and steps back while callbacks are waiting: it never stops, it only slows down.
 */
export class CallbackLoad {
  private inFlight = 0;
  private calmListeners: Array<() => void> = [];

  /** A callback arrived; call the returned function once it is answered. */
  begin(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      if (this.inFlight === 0) {
        const listeners = this.calmListeners;
        this.calmListeners = [];
        for (const listener of listeners) listener();
      }
    };
  }

  /** True while at least one callback waits for its answer. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * Resolves when no callback is waiting, or after `maxWaitMs` at the latest (so background work keeps moving
   * under a steady stream of callbacks, only slower).
   */
  yieldTo(maxWaitMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, maxWaitMs);
      this.onceCalm(finish);
    });
  }

  /** Called once, the next time no callback is waiting (at once when none is). */
  onceCalm(listener: () => void): void {
    if (this.inFlight === 0) listener();
    else this.calmListeners.push(listener);
  }
}
