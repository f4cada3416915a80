import { performance } from 'node:perf_hooks';
import { CallbackLoad } from '../../../src/http/callback-load';

describe('CallbackLoad', () => {
  it('is not pressed before any callback arrived, and background work goes on at once', async () => {
    const load = new CallbackLoad();
    expect(load.pressed).toBe(false);
    const started = performance.now();
    await load.pace(40);
    expect(performance.now() - started).toBeLessThan(20);
  });

  it('is pressed while a callback waits for its answer, and not once it is answered on an idle loop', () => {
    const load = new CallbackLoad();
    const end = load.begin();
    expect(load.pressed).toBe(true);
    end();
    end(); // a second call changes nothing
    expect(load.pressed).toBe(false);
  });

  it('under pressure, pauses background work four times as long as its last piece took', async () => {
    const load = new CallbackLoad();
    const end = load.begin();
    const started = performance.now();
    await load.pace(5);
    const waited = performance.now() - started;
    end();
    expect(waited).toBeGreaterThanOrEqual(18);
    expect(waited).toBeLessThan(1000);
  });

  it('counts pieces that ran at the same time one after another: the schedule grows by each piece and its pause', async () => {
    const load = new CallbackLoad();
    const end = load.begin();
    const started = performance.now();
    // two workers each just did 5 ms at the same time: the first waits its 20 ms pause; the second piece ran during
    // that pause, so the schedule grows by its 5 ms and then its own 20 ms: 45 ms
    const waits = await Promise.all([load.pace(5), load.pace(5)].map((p) => p.then(() => performance.now() - started)));
    end();
    expect(waits[0]).toBeGreaterThanOrEqual(18);
    expect(waits[1]).toBeGreaterThanOrEqual(42); // timers fire on whole milliseconds
    expect(waits[1]).toBeLessThan(1000);
  });

  it('counts a late event loop as pressure while callbacks keep arriving', async () => {
    const load = new CallbackLoad();
    load.start();
    try {
      load.begin()(); // one arrived and was answered
      expect(load.pressed).toBe(false);
      const until = performance.now() + 30;
      while (performance.now() < until) {
        // block the loop: the sampler's next tick comes late
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(load.pressed).toBe(true);
    } finally {
      load.stop();
    }
  });
});
