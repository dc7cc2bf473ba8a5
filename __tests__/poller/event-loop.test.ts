import { Poller, silentLogger } from "../../lib";

// Real timers: the subject is the event loop itself, which fake timers
// replace. No assertion depends on how fast the machine is.

/** Blocks the thread for `ms`, as CPU-bound work in `fn` would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

/**
 * Runs a poller whose `fn` is `work` until its 20th tick, and reports the
 * tick during which a timer set in tick 1 fired (undefined: never, before
 * the poller stopped).
 */
async function tickOfFirstTimer(
  interval: number,
  work: () => unknown,
): Promise<number | undefined> {
  let ticks = 0;
  let firedDuring: number | undefined;
  const poller = new Poller({
    interval,
    runOnStart: true,
    logger: silentLogger,
    fn: () => {
      ticks += 1;
      if (ticks === 1) setTimeout(() => { firedDuring ??= ticks; }, 0);
      if (ticks === 20) void poller.stop();
      return work();
    },
  });

  await poller.start();
  return firedDuring;
}

describe("Poller", () => {
  describe("when every tick overruns its interval", () => {
    it("lets timers run between ticks of a synchronous fn", async () => {
      const firedDuring = await tickOfFirstTimer(2, () => busy(5));

      // a loop chaining overdue ticks on microtasks would only let the
      // timer fire once the poller had stopped
      expect(firedDuring).toBeDefined();
      expect(firedDuring).toBeLessThanOrEqual(3);
    });
  });

  describe("with an interval under a millisecond", () => {
    it("lets timers run between ticks of an async fn", async () => {
      const firedDuring = await tickOfFirstTimer(0.25, async () => {
        busy(1);
      });

      expect(firedDuring).toBeDefined();
      expect(firedDuring).toBeLessThanOrEqual(3);
    });
  });
});
