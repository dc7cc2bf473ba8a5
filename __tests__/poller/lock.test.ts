import { getEventListeners } from "node:events";
import { Poller } from "../../lib";
import {
  deferred,
  MemoryLock,
  recordingLogger,
  useFakeClock,
} from "./support";

useFakeClock();

function lockedPoller(fn: (signal: AbortSignal) => unknown = () => undefined) {
  const lock = new MemoryLock();
  const { logger, lines } = recordingLogger();
  const calls: AbortSignal[] = [];
  const poller = new Poller({
    name: "sync",
    interval: 100,
    lock,
    logger,
    fn: (signal) => {
      calls.push(signal);
      return fn(signal);
    },
  });
  return { poller, lock, lines, calls };
}

describe("Poller", () => {
  describe("with lock", () => {
    it("asks before each tick and runs fn while held", async () => {
      const { poller, lock, calls } = lockedPoller();
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(300);
      expect(lock.acquires).toBe(3);
      expect(calls).toHaveLength(3);

      await poller.stop();
      await done;
    });

    it("leaves no listener on the lock's signal between ticks", async () => {
      const { poller, lock, calls } = lockedPoller();
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(50 * 100);
      expect(calls).toHaveLength(50);
      // one lock signal across all 50 ticks, followed only during each
      const held = lock.held as AbortSignal;
      expect(getEventListeners(held, "abort")).toHaveLength(0);

      await poller.stop();
      await done;
    });

    it("stops at once while an acquire hangs, and releases", async () => {
      const { poller, lock, calls } = lockedPoller();
      lock.mode = "hang";
      const done = poller.start();
      await jest.advanceTimersByTimeAsync(100);
      expect(lock.acquires).toBe(1);

      let stopped = false;
      void poller.stop().then(() => {
        stopped = true;
      });
      await jest.advanceTimersByTimeAsync(0);

      expect(stopped).toBe(true);
      expect(lock.acquireSignal?.aborted).toBe(true);
      expect(lock.events).toEqual(["acquire", "release"]);
      expect(calls).toHaveLength(0);
      await done;
    });

    it("skips the tick silently when another holder has it", async () => {
      const { poller, lock, lines, calls } = lockedPoller();
      lock.mode = "elsewhere";
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(300);
      expect(calls).toHaveLength(0);
      expect(poller.status).toMatchObject({
        skipped: 3, ticks: 0, failures: 0, lockErrors: 0,
      });
      expect(lines.filter((l) => l.level !== "debug")).toEqual([]);

      // the lock comes free: this replica takes over on the next tick
      lock.mode = "hold";
      await jest.advanceTimersByTimeAsync(100);
      expect(calls).toHaveLength(1);

      await poller.stop();
      await done;
    });

    it("skips and warns when acquire() rejects, then goes on", async () => {
      const { poller, lock, lines, calls } = lockedPoller();
      lock.mode = "fail";
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(200);
      expect(calls).toHaveLength(0);
      expect(poller.status).toMatchObject({ lockErrors: 2, failures: 0 });
      expect(lines[0]).toMatchObject({
        level: "warn",
        msg: "poller lock acquire failed",
        obj: { name: "sync", err: expect.objectContaining({
          message: "store unreachable",
        }) },
      });

      lock.mode = "hold";
      await jest.advanceTimersByTimeAsync(100);
      expect(calls).toHaveLength(1);

      await poller.stop();
      await done;
    });

    it("aborts fn's signal when the lock is lost during the tick", async () => {
      const { poller, lock, calls } = lockedPoller((signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason));
        }));
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(100);
      expect(calls[0]?.aborted).toBe(false);
      lock.lose();
      await jest.advanceTimersByTimeAsync(0);
      expect(calls[0]?.aborted).toBe(true);
      expect(poller.status.failures).toBe(1);

      await poller.stop();
      await done;
    });

    it("aborts fn's signal when the poller stops while it holds the lock",
      async () => {
        const tick = deferred();
        const { poller, calls } = lockedPoller(() => tick.promise);
        const done = poller.start();

        await jest.advanceTimersByTimeAsync(100);
        const stopped = poller.stop();
        expect(calls[0]?.aborted).toBe(true);

        tick.resolve();
        await Promise.all([stopped, done]);
      });

    it("releases the lock once, after the tick in flight settles",
      async () => {
        const tick = deferred();
        const { poller, lock } = lockedPoller(async () => {
          await tick.promise;
          lock.events.push("tick settled");
        });
        const done = poller.start();

        await jest.advanceTimersByTimeAsync(100);
        const stopped = poller.stop();
        await jest.advanceTimersByTimeAsync(0);
        expect(lock.releases).toBe(0);

        tick.resolve();
        await Promise.all([stopped, done]);
        await poller.stop();
        expect(lock.events).toEqual(["acquire", "tick settled", "release"]);
      });

    it("runs no fn when stop comes while acquire() is pending", async () => {
      const answer = deferred<AbortSignal | null>();
      const { poller, lock, calls } = lockedPoller();
      lock.acquire = () => answer.promise;
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(100);
      const stopped = poller.stop();
      answer.resolve(new AbortController().signal);
      await Promise.all([stopped, done]);
      expect(calls).toHaveLength(0);
      expect(lock.releases).toBe(1);
    });

    it("logs a release() that rejects and still resolves stop()", async () => {
      const { poller, lock, lines } = lockedPoller();
      lock.release = () => Promise.reject(new Error("store gone"));
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(100);
      await poller.stop();
      await done;
      expect(lines).toEqual([expect.objectContaining({
        level: "warn", msg: "poller lock release failed",
      })]);
    });

    it("reports skipped and failed lock checks to onTick", async () => {
      const lock = new MemoryLock();
      const outcomes: string[] = [];
      const poller = new Poller({
        interval: 100,
        lock,
        logger: recordingLogger().logger,
        onTick: ({ outcome, duration }) =>
          outcomes.push(`${outcome} ${duration}`),
        fn: () => undefined,
      });
      const done = poller.start();

      lock.mode = "elsewhere";
      await jest.advanceTimersByTimeAsync(100);
      lock.mode = "fail";
      await jest.advanceTimersByTimeAsync(100);
      lock.mode = "hold";
      await jest.advanceTimersByTimeAsync(100);
      expect(outcomes).toEqual(["skipped 0", "lockError 0", "success 0"]);

      await poller.stop();
      await done;
    });

    it("skips when acquire() resolves something other than a signal",
      async () => {
        const { poller, lock, calls } = lockedPoller();
        lock.acquire = () =>
          Promise.resolve("yes" as unknown as AbortSignal);
        const done = poller.start();

        await jest.advanceTimersByTimeAsync(100);
        expect(calls).toHaveLength(0);
        expect(poller.status.lockErrors).toBe(1);

        await poller.stop();
        await done;
      });
  });
});
