import type http from "node:http";
import {
  gracefulShutdown,
  Poller,
  ShutdownError,
  ShutdownTimeoutError,
} from "../../lib";
import type { GracefulShutdown, GracefulShutdownOptions } from "../../lib";
import { startServer, type TestServer } from "../helpers/server";
import { deferred, recordingLogger, sleep } from "../poller/support";
import { closed, get, keepAliveAgent } from "./support";

// In-process shutdowns: no process signals, and exit() only records the
// code. Real timers and real sockets; the child-process tests cover the
// real exit.
let server: TestServer;
let agent: http.Agent;
let shutdown: GracefulShutdown | undefined;
let release = deferred();
// resolves once the server has seen the request to /slow or /stream
let arrived = deferred();
const exit = jest.fn<void, [number]>();

beforeEach(async () => {
  exit.mockClear();
  release = deferred();
  arrived = deferred();
  agent = keepAliveAgent();
  server = await startServer((request, response) => {
    if (request.url === "/slow") {
      arrived.resolve();
      void release.promise.then(() => response.end("slow done"));
      return;
    }
    if (request.url === "/stream") {
      arrived.resolve();
      // headers out at once, promising keep-alive; the body ends later
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("part one, ");
      void release.promise.then(() => response.end("part two"));
      return;
    }
    response.end("ok");
  });
  // a keep-alive timeout longer than any test: closing must not wait for it
  server.server.keepAliveTimeout = 60_000;
});

afterEach(async () => {
  shutdown?.dispose();
  shutdown = undefined;
  agent.destroy();
  await server.close();
});

function attach(options: GracefulShutdownOptions = {}) {
  const { logger, lines } = recordingLogger();
  shutdown = gracefulShutdown(server.server, {
    signals: [], exit, logger, ...options,
  });
  return { shutdown, lines };
}

describe("gracefulShutdown()", () => {
  describe("begin()", () => {
    it("aborts signal with a ShutdownError and reports not ready", async () => {
      const { shutdown } = attach();
      expect(shutdown.isShuttingDown).toBe(false);

      const ending = shutdown.begin();
      expect(shutdown.signal.aborted).toBe(true);
      expect(shutdown.signal.reason).toBeInstanceOf(ShutdownError);
      expect(shutdown.signal.reason).toMatchObject({ trigger: "begin()" });
      expect(shutdown.isShuttingDown).toBe(true);

      await expect(ending).resolves.toBe(0);
      expect(exit).toHaveBeenCalledWith(0);
      expect(shutdown.begin()).toBe(ending);
    });

    it("stops accepting connections", async () => {
      const { shutdown } = attach();

      await shutdown.begin();
      await expect(get(`${server.url}/`, agent)).rejects.toMatchObject({
        code: "ECONNREFUSED",
      });
    });

    it("closes an idle keep-alive connection at once", async () => {
      const { shutdown } = attach();
      const first = await get(`${server.url}/`, agent);
      expect(first.headers.connection).toBe("keep-alive");

      await expect(shutdown.begin()).resolves.toBe(0);
      await closed(first.socket);
    });

    it("lets a request in flight finish, answered with Connection: close",
      async () => {
        const { shutdown } = attach();
        const reply = get(`${server.url}/slow`, agent);
        await arrived.promise;

        let ended = false;
        const ending = shutdown.begin().then((code) => {
          ended = true;
          return code;
        });
        await sleep(100);
        expect(ended).toBe(false);

        release.resolve();
        const { body, headers, socket } = await reply;
        expect(body).toBe("slow done");
        expect(headers.connection).toBe("close");
        await expect(ending).resolves.toBe(0);
        await closed(socket);
      });

    it("ends a keep-alive connection whose response began before it",
      async () => {
        const { shutdown } = attach();
        const reply = get(`${server.url}/stream`, agent);
        await arrived.promise;

        const ending = shutdown.begin();
        await sleep(50);
        release.resolve();
        const { body, headers, socket } = await reply;
        expect(body).toBe("part one, part two");
        expect(headers.connection).toBe("keep-alive");
        // without ending it, close would wait for the 60 s keep-alive
        await closed(socket);
        await expect(ending).resolves.toBe(0);
      });
  });

  describe("when a client goes away mid-request", () => {
    it("exits with 0 without waiting for the handler", async () => {
      const { shutdown } = attach();
      const reply = get(`${server.url}/slow`, agent);
      await arrived.promise;

      const ending = shutdown.begin();
      agent.destroy(); // the client hangs up; /slow never answers
      await expect(reply).rejects.toMatchObject({ code: "ECONNRESET" });
      await expect(ending).resolves.toBe(0);
    });
  });

  describe("with closeDelay", () => {
    it("keeps serving meanwhile, each reply with Connection: close",
      async () => {
        // long enough for a loaded machine to send the request meanwhile
        const { shutdown } = attach({ closeDelay: 1_000 });
        await get(`${server.url}/`, agent);

        const ending = shutdown.begin();
        expect(shutdown.isShuttingDown).toBe(true);
        const during = await get(`${server.url}/`, agent);
        expect(during.body).toBe("ok");
        expect(during.headers.connection).toBe("close");
        await expect(ending).resolves.toBe(0);
      });
  });

  describe("waitFor()", () => {
    it("waits for pollers and promises, then runs cleanups in order",
      async () => {
        const { shutdown } = attach();
        const events: string[] = [];
        const tick = deferred();
        const task = deferred();
        const poller = new Poller({
          name: "sync",
          interval: 60_000,
          runOnStart: true,
          fn: async () => {
            events.push("tick started");
            await tick.promise;
            events.push("tick settled");
          },
        });
        shutdown.waitFor(poller);
        void poller.start();
        shutdown.waitFor(task.promise.then(() => events.push("task")), "job");
        shutdown.addCleanup(async () => {
          await sleep(20);
          events.push("cleanup a");
        });
        shutdown.addCleanup(() => { events.push("cleanup b"); });
        await sleep(20);

        const ending = shutdown.begin();
        await sleep(50);
        expect(poller.status.state).toBe("stopping");
        task.resolve();
        await sleep(50);
        expect(exit).not.toHaveBeenCalled();
        tick.resolve();

        await expect(ending).resolves.toBe(0);
        expect(events).toEqual([
          "tick started", "task", "tick settled", "cleanup a", "cleanup b",
        ]);
      });

    it("stops a poller started with shutdown.signal", async () => {
      const { shutdown } = attach();
      const poller = new Poller({
        interval: 60_000, runOnStart: true, fn: () => sleep(100),
      });
      shutdown.waitFor(poller.start(shutdown.signal), "sync");
      await sleep(20);

      await expect(shutdown.begin()).resolves.toBe(0);
      expect(poller.status).toMatchObject({ state: "stopped", ticks: 1 });
    });

    it("waits for a task handed over while a request finished",
      async () => {
        const { shutdown } = attach();
        const reply = get(`${server.url}/slow`, agent);
        await arrived.promise;

        // no task yet: only the request in flight holds the shutdown
        const ending = shutdown.begin();
        await sleep(50);
        let doneBeforeExit: boolean | undefined;
        const job = sleep(150).then(() => {
          doneBeforeExit = exit.mock.calls.length === 0;
        });
        shutdown.waitFor(job, "job");
        release.resolve();

        await reply;
        await expect(ending).resolves.toBe(0);
        await job;
        expect(doneBeforeExit).toBe(true);
      });

    it("waits for a task handed over by a cleanup hook", async () => {
      const { shutdown } = attach();
      let doneBeforeExit: boolean | undefined;
      const job = deferred();
      shutdown.addCleanup(() => {
        shutdown.waitFor(sleep(100).then(() => {
          doneBeforeExit = exit.mock.calls.length === 0;
          job.resolve();
        }), "flush");
      });

      await expect(shutdown.begin()).resolves.toBe(0);
      await job.promise;
      expect(doneBeforeExit).toBe(true);
    });

    it("logs a rejected task and exits with 1", async () => {
      const { shutdown, lines } = attach();
      shutdown.waitFor(Promise.reject(new Error("flush failed")), "queue");

      await expect(shutdown.begin()).resolves.toBe(1);
      expect(lines).toContainEqual(expect.objectContaining({
        level: "error",
        msg: "shutdown task failed",
        obj: expect.objectContaining({ task: "queue" }),
      }));
    });
  });

  describe("addCleanup()", () => {
    it("logs a failed hook, runs the next, and exits with 1", async () => {
      const { shutdown, lines } = attach();
      const ran: string[] = [];
      shutdown.addCleanup(() => { throw new Error("pool busy"); }, "db");
      shutdown.addCleanup(() => { ran.push("cache"); }, "cache");

      await expect(shutdown.begin()).resolves.toBe(1);
      expect(ran).toEqual(["cache"]);
      expect(lines).toContainEqual(expect.objectContaining({
        msg: "shutdown cleanup failed",
        obj: expect.objectContaining({ hook: "db" }),
      }));
    });

    it("throws a TypeError for a hook that is not a function", () => {
      const { shutdown } = attach();
      const notHook = "db" as unknown as () => void;

      expect(() => shutdown.addCleanup(notHook)).toThrow(TypeError);
    });
  });

  describe("with timeout", () => {
    it("destroys what remains, logs what was pending and exits with 1",
      async () => {
        const { shutdown, lines } = attach({ timeout: 300 });
        const reply = get(`${server.url}/slow`, agent);
        shutdown.waitFor(new Promise(() => undefined), "stuck");
        await arrived.promise;

        await expect(shutdown.begin()).resolves.toBe(1);
        await expect(reply).rejects.toMatchObject({ code: "ECONNRESET" });
        const line = lines.find((l) => l.msg === "shutdown timed out");
        expect(line?.obj.err).toBeInstanceOf(ShutdownTimeoutError);
        expect(line?.obj.err).toMatchObject({ phase: "drain", timeout: 300 });
        expect(line?.obj.pending).toEqual([
          "http: 1 connection, 1 request in flight",
          "task: stuck",
        ]);
      });

    it("still runs the cleanup hooks, in order, then exits with 1",
      async () => {
        const { shutdown, lines } = attach({ timeout: 200 });
        const ran: string[] = [];
        shutdown.waitFor(new Promise(() => undefined), "stuck");
        shutdown.addCleanup(async () => {
          await sleep(20);
          ran.push("db");
        }, "db");
        shutdown.addCleanup(() => { ran.push("cache"); }, "cache");

        await expect(shutdown.begin()).resolves.toBe(1);
        expect(ran).toEqual(["db", "cache"]);
        expect(lines.map((l) => l.msg)).toEqual([
          "shutdown begun", "shutdown timed out", "shutdown complete",
        ]);
      });

    it("gives the hooks their own budget after a slow drain", async () => {
      const { shutdown } = attach({ timeout: 300, cleanupTimeout: 2_000 });
      const ran: string[] = [];
      shutdown.waitFor(sleep(250), "job");
      shutdown.addCleanup(async () => {
        await sleep(200);
        ran.push("db");
      }, "db");

      // the hook ends at about 450 ms, past `timeout`, within its own
      await expect(shutdown.begin()).resolves.toBe(0);
      expect(ran).toEqual(["db"]);
    });

    it("waits as told for a timeout beyond the timer limit", async () => {
      const { shutdown } = attach({ timeout: 3_000_000_000 });
      shutdown.waitFor(sleep(100), "job");

      await expect(shutdown.begin()).resolves.toBe(0);
    });
  });

  describe("with cleanupTimeout", () => {
    it("ends a hook that hangs, naming it, and exits with 1", async () => {
      const { shutdown, lines } = attach({ cleanupTimeout: 200 });
      const ran: string[] = [];
      shutdown.addCleanup(() => new Promise(() => undefined), "db");
      shutdown.addCleanup(() => { ran.push("cache"); }, "cache");

      await expect(shutdown.begin()).resolves.toBe(1);
      expect(ran).toEqual([]);
      const line = lines.find((l) => l.msg === "shutdown cleanup timed out");
      expect(line?.obj.err).toMatchObject({
        phase: "cleanup", timeout: 200,
        message: "shutdown cleanup timed out after 200 ms",
      });
      expect(line?.obj.pending).toEqual(["cleanup: db", "cleanup: cache"]);
    });
  });

  describe("with a logger that throws", () => {
    it("still shuts down and exits with the right code", async () => {
      const broken = () => { throw new Error("transport closed"); };
      const logger = { warn: broken, error: broken, info: broken };
      shutdown = gracefulShutdown(server.server, {
        signals: [], exit, logger,
      });
      shutdown.addCleanup(() => { throw new Error("pool busy"); }, "db");

      await expect(shutdown.begin()).resolves.toBe(1);
      expect(exit).toHaveBeenCalledWith(1);
    });
  });

  describe("without a server", () => {
    it("waits for the tasks and exits", async () => {
      shutdown = gracefulShutdown(null, { signals: [], exit });
      const task = sleep(50);
      shutdown.waitFor(task, "job");

      await expect(shutdown.begin()).resolves.toBe(0);
    });
  });
});
