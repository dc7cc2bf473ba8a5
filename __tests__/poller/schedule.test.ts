import { PollerTimeoutError } from "../../lib";
import {
  recordingPoller,
  sleep,
  stopAndSettle,
  useFakeClock,
} from "./support";

// Time is the subject of these tests: fake timers (performance.now() and
// Date included) make every tick start exactly checkable.
//
// An overdue tick waits for one turn of the event loop (setImmediate)
// before it starts, so that a slow tick cannot starve the process; fake
// timers count an immediate set while they fire timers as 1 ms, hence the
// +1 on the starts of overdue ticks below.
useFakeClock();

describe("Poller", () => {
  describe("with interval", () => {
    it("starts the first tick one interval after start()", async () => {
      const { poller, starts, begin } = recordingPoller({});
      const done = begin();

      await jest.advanceTimersByTimeAsync(99);
      expect(starts).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(starts).toEqual([100]);

      await poller.stop();
      await done;
    });

    it("keeps a fixed rate without drift over 500 ticks", async () => {
      const { poller, starts, begin } = recordingPoller({
        work: () => sleep(30),
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(500 * 100);
      expect(starts).toHaveLength(500);
      // a poller that waited `interval` after each tick would be 30 ms
      // later on every tick: 15 s behind by the last one
      expect(starts.at(-1)).toBe(50_000);
      expect(starts.every((at, k) => at === (k + 1) * 100)).toBe(true);

      await stopAndSettle(poller);
      await done;
    });

    it("never overlaps ticks when fn is slower than interval", async () => {
      let inFlight = 0;
      let most = 0;
      const { poller, starts, begin } = recordingPoller({
        work: async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await sleep(250);
          inFlight -= 1;
        },
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(1_000);
      expect(most).toBe(1);
      // each tick overruns, so the next starts as soon as it ends
      expect(starts).toEqual([100, 350 + 1, 600 + 2, 850 + 3]);

      await stopAndSettle(poller);
      await done;
    });

    it("starts an overdue tick at once and returns to the grid", async () => {
      const { poller, starts, begin } = recordingPoller({
        runOnStart: true,
        work: (n) => sleep(n === 1 ? 250 : 10),
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(450);
      // slot 100 overran into 200: one tick at 250, then slot 300, 400
      expect(starts).toEqual([0, 250 + 1, 300, 400]);
      expect(poller.status.missed).toBe(1);

      await poller.stop();
      await done;
    });
  });

  describe("with an interval beyond the 24.8-day timer limit", () => {
    it("waits the whole interval instead of firing at once", async () => {
      const interval = 3_000_000_000; // about 35 days
      const { poller, starts, begin } = recordingPoller({ interval });
      const done = begin();

      await jest.advanceTimersByTimeAsync(2 ** 31);
      expect(starts).toEqual([]);
      await jest.advanceTimersByTimeAsync(interval - 2 ** 31);
      expect(starts).toEqual([interval]);

      await poller.stop();
      await done;
    });
  });

  describe("with runOnStart", () => {
    it("runs the first tick at once, then on the grid", async () => {
      const { poller, starts, begin } = recordingPoller({ runOnStart: true });
      const done = begin();

      await jest.advanceTimersByTimeAsync(0);
      expect(starts).toEqual([0]);
      await jest.advanceTimersByTimeAsync(200);
      expect(starts).toEqual([0, 100, 200]);

      await poller.stop();
      await done;
    });
  });

  describe("with jitter", () => {
    it("starts each tick within jitter * interval after its slot", async () => {
      const draws = [0, 0.5, 0.999];
      jest.spyOn(Math, "random").mockImplementation(() => draws.shift() ?? 0);
      const { poller, starts, begin } = recordingPoller({ jitter: 0.2 });
      const done = begin();

      await jest.advanceTimersByTimeAsync(400);
      // offsets 0, 10 and 19.98 ms from slots 100, 200, 300: never carried
      // over (timers run on whole milliseconds, hence the 319 floor)
      expect(starts.slice(0, 2)).toEqual([100, 210]);
      expect(starts[2]).toBeGreaterThanOrEqual(319);
      expect(starts[2]).toBeLessThan(320);

      await poller.stop();
      await done;
    });

    it("keeps every start inside its slot's window", async () => {
      const { poller, starts, begin } = recordingPoller({ jitter: 0.5 });
      const done = begin();

      await jest.advanceTimersByTimeAsync(200 * 100);
      const offsets = starts.map((at, k) => at - (k + 1) * 100);
      expect(offsets.every((o) => o >= 0 && o < 50)).toBe(true);
      // the offsets really vary: jitter is applied, not ignored
      expect(new Set(offsets.map(Math.round)).size).toBeGreaterThan(10);

      await poller.stop();
      await done;
    });
  });

  describe("with timeout", () => {
    it("aborts the signal and records a PollerTimeoutError", async () => {
      let reason: unknown;
      const { poller, lines, begin } = recordingPoller({
        timeout: 50,
        runOnStart: true,
        fn: (signal) => new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(49);
      expect(reason).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(reason).toBeInstanceOf(PollerTimeoutError);
      expect(poller.status.failures).toBe(1);
      expect(poller.status.lastError).toBe(reason);
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        ["warn", "poller tick timed out"],
        ["error", "poller tick failed"],
      ]);

      await jest.advanceTimersByTimeAsync(100);
      expect(poller.status.ticks).toBe(2);
      await poller.stop();
      await done;
    });

    it("does not abort at once for a timeout beyond the timer limit",
      async () => {
        let aborted = false;
        const { poller, begin } = recordingPoller({
          interval: 5_000,
          runOnStart: true,
          timeout: 3_000_000_000, // about 35 days
          fn: async (signal) => {
            await sleep(1_000);
            aborted = signal.aborted;
          },
        });
        const done = begin();

        await jest.advanceTimersByTimeAsync(1_000);
        expect(poller.status).toMatchObject({ ticks: 1, failures: 0 });
        expect(poller.status.lastSuccessAt).toBeInstanceOf(Date);
        expect(aborted).toBe(false);

        await poller.stop();
        await done;
      });

    it("waits for an fn ignoring its signal; counts it failed", async () => {
      const { poller, starts, begin } = recordingPoller({
        timeout: 50,
        work: () => sleep(180),
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(300);
      // the late tick is waited for: no second tick overlaps it
      expect(starts).toEqual([100, 280 + 1]);
      const error = poller.status.lastError as PollerTimeoutError;
      expect(error).toBeInstanceOf(PollerTimeoutError);
      expect(error).toMatchObject({
        code: "ERR_POLLER_TIMEOUT", poller: "sync", timeout: 50,
      });

      await stopAndSettle(poller);
      await done;
    });
  });
});
