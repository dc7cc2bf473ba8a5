import { spawnSync } from "node:child_process";
import path from "node:path";
import { gracefulShutdown } from "../../lib";
import type { GracefulShutdown } from "../../lib";
import { deferred, recordingLogger } from "../poller/support";

// Process signals emitted in this process: exit() only records the code.
// SIGUSR2, which no test runner listens to, stands in for SIGTERM.
let shutdown: GracefulShutdown | undefined;
const exit = jest.fn<void, [number]>();

beforeEach(() => {
  exit.mockClear();
});

afterEach(() => {
  shutdown?.dispose();
  shutdown = undefined;
});

function attach() {
  const { logger, lines } = recordingLogger();
  shutdown = gracefulShutdown(null, { signals: ["SIGUSR2"], exit, logger });
  return { shutdown, lines };
}

describe("gracefulShutdown()", () => {
  describe("with signals", () => {
    it("begins on the signal and forces the exit on a second one",
      async () => {
        const { shutdown, lines } = attach();
        shutdown.waitFor(new Promise(() => undefined), "stuck");

        process.emit("SIGUSR2", "SIGUSR2");
        expect(shutdown.isShuttingDown).toBe(true);
        expect(shutdown.signal.reason).toMatchObject({ trigger: "SIGUSR2" });
        expect(exit).not.toHaveBeenCalled();

        process.emit("SIGUSR2", "SIGUSR2");
        expect(exit).toHaveBeenCalledWith(1);
        expect(lines).toContainEqual(expect.objectContaining({
          level: "warn", msg: "shutdown forced by a second signal",
        }));
        expect(process.listenerCount("SIGUSR2")).toBe(0);
      });

    it("does not force the exit on the first signal after begin()",
      async () => {
        const { shutdown } = attach();
        const task = deferred();
        shutdown.waitFor(task.promise, "job");

        const ending = shutdown.begin();
        process.emit("SIGUSR2", "SIGUSR2");
        expect(exit).not.toHaveBeenCalled();
        task.resolve();
        await expect(ending).resolves.toBe(0);
      });

    it("removes its listeners on dispose()", () => {
      const before = process.listenerCount("SIGUSR2");
      const { shutdown } = attach();
      expect(process.listenerCount("SIGUSR2")).toBe(before + 1);

      shutdown.dispose();
      expect(process.listenerCount("SIGUSR2")).toBe(before);
    });
  });

  describe("with an exit that throws", () => {
    it("logs it and still resolves begin() with the code", async () => {
      const { logger, lines } = recordingLogger();
      shutdown = gracefulShutdown(null, {
        signals: [], logger, exit: () => { throw new Error("exit refused"); },
      });

      await expect(shutdown.begin()).resolves.toBe(0);
      expect(lines).toContainEqual(expect.objectContaining({
        level: "error", msg: "shutdown exit failed",
        obj: expect.objectContaining({ code: 0 }),
      }));
    });
  });

  describe("signal", () => {
    it("takes a listener from each of many pollers without a leak warning",
      () => {
        // a process of its own: Node reports the warning on its real
        // process object, which the test sandbox does not see
        const script = `
          const { gracefulShutdown, Poller, silentLogger } = require("./lib");
          const shutdown = gracefulShutdown(null, {
            signals: [], exit: () => undefined, logger: silentLogger,
          });
          for (let k = 0; k < 20; k += 1) {
            const poller = new Poller({
              name: "sync " + k, interval: 60000, fn: () => undefined,
            });
            shutdown.waitFor(poller);
            void poller.start(shutdown.signal);
          }
          void shutdown.begin().then((code) => console.log("exit " + code));
        `;
        const run = spawnSync(process.execPath,
          ["--import", "tsx", "-e", script],
          { cwd: path.join(__dirname, "../.."), encoding: "utf8" });

        expect(run.stdout.trim()).toBe("exit 0");
        expect(run.stderr).not.toContain("MaxListenersExceededWarning");
      });
  });
});
