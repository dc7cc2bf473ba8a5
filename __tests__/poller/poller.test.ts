import { getEventListeners } from "node:events";
import { Writable } from "node:stream";
import pino from "pino";
import {
  Poller,
  PollerStateError,
  PollerStoppedError,
} from "../../lib";
import type { PollerTickResult } from "../../lib";
import {
  deferred,
  recordingPoller,
  sleep,
  useFakeClock,
} from "./support";

// Fake timers let each test step through a poller's life tick by tick.
useFakeClock();

describe("Poller", () => {
  describe("when fn fails", () => {
    it("logs each failure with the name and error, and goes on", async () => {
      const failures = [new Error("first"), new Error("second")];
      const { poller, lines, begin } = recordingPoller({
        fn: (): Promise<void> | void => {
          const error = failures.shift();
          if (!error) return Promise.resolve();
          if (error.message === "first") return Promise.reject(error);
          throw error; // a synchronous throw is a failure too
        },
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(200);
      expect(poller.status.consecutiveFailures).toBe(2);
      expect(lines).toEqual([
        expect.objectContaining({
          level: "error",
          msg: "poller tick failed",
          obj: expect.objectContaining({
            name: "sync", err: expect.any(Error),
          }),
        }),
        expect.objectContaining({ level: "error" }),
      ]);
      expect((lines[1]?.obj.err as Error).message).toBe("second");

      await jest.advanceTimersByTimeAsync(100);
      expect(poller.status).toMatchObject({
        ticks: 3, failures: 2, consecutiveFailures: 0,
      });
      expect(poller.status.lastSuccessAt).toBeInstanceOf(Date);

      await poller.stop();
      await done;
    });

    it("keeps going when the logger itself throws", async () => {
      const poller = new Poller({
        interval: 100,
        fn: () => Promise.reject(new Error("boom")),
        logger: {
          warn: () => undefined,
          error: () => { throw new Error("logger down"); },
        },
      });
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(300);
      expect(poller.status.failures).toBe(3);

      await poller.stop();
      await done;
    });
  });

  describe("with a pino logger", () => {
    it("follows a change of its level at runtime", async () => {
      const written: Array<{ msg: string }> = [];
      const stream = new Writable({
        write(chunk, _encoding, callback) {
          written.push(JSON.parse(String(chunk)) as { msg: string });
          callback();
        },
      });
      const logger = pino({ level: "fatal" }, stream);
      const poller = new Poller({
        interval: 100, logger, fn: () => { throw new Error("boom"); },
      });
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(100);
      expect(written).toEqual([]);
      logger.level = "error";
      await jest.advanceTimersByTimeAsync(100);
      expect(written.map((line) => line.msg)).toEqual(["poller tick failed"]);

      await poller.stop();
      await done;
    });
  });

  describe("start()", () => {
    it("resolves only once the tick in flight has settled", async () => {
      const tick = deferred();
      const { poller, begin } = recordingPoller({ work: () => tick.promise });
      let settled = false;
      const done = begin().then(() => { settled = true; });

      await jest.advanceTimersByTimeAsync(100);
      void poller.stop();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(settled).toBe(false);
      expect(poller.status.state).toBe("stopping");

      tick.resolve();
      await done;
      expect(poller.status.state).toBe("stopped");
    });

    it("stops when its signal aborts, and starts no tick after", async () => {
      const controller = new AbortController();
      const { starts, begin } = recordingPoller({ runOnStart: true });
      const done = begin(controller.signal);

      await jest.advanceTimersByTimeAsync(150);
      controller.abort();
      await done;
      await jest.advanceTimersByTimeAsync(1_000);
      expect(starts).toEqual([0, 100]);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    });

    it("runs no tick when its signal is already aborted", async () => {
      const { poller, starts, begin } = recordingPoller({ runOnStart: true });

      await begin(AbortSignal.abort());
      await jest.advanceTimersByTimeAsync(1_000);
      expect(starts).toEqual([]);
      expect(poller.status.state).toBe("stopped");
    });

    it("throws a PollerStateError when called a second time", async () => {
      const { poller, begin } = recordingPoller({});
      const done = begin();

      expect(() => poller.start()).toThrow(PollerStateError);
      expect(() => poller.start()).toThrow("poller sync: already started");
      await poller.stop();
      await done;
      expect(() => poller.start()).toThrow(PollerStateError);
    });

    it("throws a TypeError for a signal that is not an AbortSignal", () => {
      const { poller } = recordingPoller({});
      const notSignal = { aborted: false } as unknown as AbortSignal;

      expect(() => poller.start(notSignal)).toThrow(TypeError);
    });
  });

  describe("stop()", () => {
    it("aborts the tick's signal with a PollerStoppedError", async () => {
      let signal: AbortSignal | undefined;
      const tick = deferred();
      const { poller, begin } = recordingPoller({
        fn: (s) => { signal = s; return tick.promise; },
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(100);
      expect(signal?.aborted).toBe(false);
      const stopped = poller.stop();
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBeInstanceOf(PollerStoppedError);

      tick.resolve();
      await Promise.all([stopped, done]);
    });

    it("does not log a tick that rejects because of stop", async () => {
      const { poller, lines, begin } = recordingPoller({
        fn: (signal) => new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(100);
      await poller.stop();
      await done;
      expect(lines.filter((l) => l.level !== "debug")).toEqual([]);
      expect(poller.status).toMatchObject({ ticks: 1, failures: 0 });
    });

    it("is idempotent and resolves with start()", async () => {
      const { poller, begin } = recordingPoller({});
      const done = begin();

      const first = poller.stop();
      const second = poller.stop();
      await Promise.all([first, second, done]);
      await poller.stop();
      expect(poller.status.state).toBe("stopped");
    });

    it("does not deadlock when awaited from inside fn", async () => {
      let poller!: Poller;
      const after: string[] = [];
      ({ poller } = recordingPoller({
        runOnStart: true,
        fn: async (signal) => {
          await poller.stop();
          after.push(signal.aborted ? "aborted" : "live");
        },
      }));
      const done = poller.start();

      await jest.advanceTimersByTimeAsync(0);
      await done;
      expect(after).toEqual(["aborted"]);
      expect(poller.status).toMatchObject({ state: "stopped", ticks: 1 });
    });

    it("keeps a later start() from ticking when called first", async () => {
      const { poller, starts, begin } = recordingPoller({ runOnStart: true });

      await poller.stop();
      await begin();
      await jest.advanceTimersByTimeAsync(500);
      expect(starts).toEqual([]);
    });
  });

  describe("with onTick", () => {
    it("reports each tick's outcome, duration and error", async () => {
      const results: PollerTickResult[] = [];
      const failure = new Error("upstream 503");
      let n = 0;
      const { poller, begin } = recordingPoller({
        onTick: (result) => results.push(result),
        fn: async (signal) => {
          n += 1;
          await sleep(10);
          if (n === 2) throw failure;
          if (n === 3) {
            await new Promise((_, reject) => {
              signal.addEventListener("abort", () => reject(signal.reason));
            });
          }
        },
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(320);
      await poller.stop();
      await done;
      // tick 3 started at 300 and was aborted by stop at 320
      expect(results).toEqual([
        { name: "sync", outcome: "success", duration: 10 },
        { name: "sync", outcome: "failure", duration: 10, error: failure },
        { name: "sync", outcome: "aborted", duration: 20 },
      ]);
    });

    it("logs an onTick that throws and keeps the schedule", async () => {
      const { poller, lines, begin } = recordingPoller({
        onTick: () => { throw new Error("metrics down"); },
      });
      const done = begin();

      await jest.advanceTimersByTimeAsync(200);
      expect(poller.status.ticks).toBe(2);
      expect(lines.map((l) => l.msg)).toEqual([
        "poller onTick failed", "poller onTick failed",
      ]);

      await poller.stop();
      await done;
    });

    it("logs an async onTick that rejects, leaving nothing unhandled",
      async () => {
        const { poller, lines, begin } = recordingPoller({
          onTick: async () => { throw new Error("metrics down"); },
        });
        const done = begin();

        await jest.advanceTimersByTimeAsync(100);
        expect(poller.status.ticks).toBe(1);
        expect(lines).toEqual([expect.objectContaining({
          level: "warn",
          msg: "poller onTick failed",
          obj: expect.objectContaining({ name: "sync" }),
        })]);

        await poller.stop();
        await done;
      });
  });

  describe("status", () => {
    it("reports state, the tick in flight and the next tick", async () => {
      const tick = deferred();
      const { poller, begin } = recordingPoller({ work: () => tick.promise });
      expect(poller.status).toMatchObject({
        name: "sync", state: "idle", running: false, ticks: 0,
      });
      const done = begin();

      const planned = poller.status.nextTickAt?.getTime();
      expect(planned).toBe(Date.now() + 100);
      await jest.advanceTimersByTimeAsync(100);
      expect(poller.status).toMatchObject({
        state: "running", running: true, ticking: true, nextTickAt: null,
      });

      tick.resolve();
      await jest.advanceTimersByTimeAsync(0);
      expect(poller.status).toMatchObject({
        ticking: false, ticks: 1, lastDuration: 0,
      });
      expect(Object.isFrozen(poller.status)).toBe(true);

      await poller.stop();
      await done;
    });
  });
});
