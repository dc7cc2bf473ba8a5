import http from "node:http";
import type { ChildApp } from "./child-app";
import { is, startApp } from "./child-app";
import { closed, get, keepAliveAgent } from "./support";

// Real processes: shutdown is about signals and exit codes. Each test
// waits for the app's own progress lines; only the upper bounds on exit
// times are wall-clock, with margins wide enough for a loaded machine.
let app: ChildApp | undefined;
let agent: http.Agent;

beforeEach(() => {
  agent = keepAliveAgent();
});

afterEach(async () => {
  agent.destroy();
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill("SIGKILL");
    await app.exited;
  }
  app = undefined;
});

describe("gracefulShutdown() in a process", () => {
  describe("on SIGTERM", () => {
    it("finishes the tick and request in flight, then exits with 0",
      async () => {
        // a short interval: a poller still scheduling would start tick 2
        // the moment tick 1 ends. The tick and the request both run on
        // for a while once shutdown has begun, so that both are surely in
        // flight at the signal, however loaded the machine.
        const started = await startApp({
          TICK_MS: "1000", UNTIL_SHUTDOWN: "1", INTERVAL: "200",
        });
        app = started;
        const url = `http://127.0.0.1:${started.port}`;
        const idle = await get(`${url}/`, agent);
        await started.waitFor(is("tick-start", { n: 1 }));
        const reply = get(`${url}/slow?until=shutdown&ms=500`,
          keepAliveAgent());
        await started.waitFor(is("request-start", { path: "/slow" }));

        const beforeSignal = started.events.length;
        let idleClosedFirst = false;
        void closed(idle.socket).then(() => {
          idleClosedFirst = started.child.exitCode === null;
        });
        const { code } = await started.kill("SIGTERM");
        const { body, headers } = await reply;
        expect(body).toBe("waited 500 ms");
        expect(headers.connection).toBe("close");
        expect(code).toBe(0);
        // the idle keep-alive client (60 s timeout) was let go at once,
        // while the request and the tick still ran: it held nothing back
        await closed(idle.socket);
        expect(idleClosedFirst).toBe(true);

        // both ended after the signal; no tick started after it; the
        // cleanup hook ran last
        const after = started.events.slice(beforeSignal)
          .filter((e) => e.event !== "log")
          .map((e) => `${e.event}${e.n ?? ""}`);
        expect(after).toEqual(["request-end", "tick-end1", "cleanup"]);
        expect(started.events.filter(is("tick-start"))).toHaveLength(1);
      });

    it("keeps running when ticks fail, then exits with 0", async () => {
      const started = await startApp({ FAIL: "1", INTERVAL: "50" });
      app = started;
      await started.waitFor(is("tick-start", { n: 3 }));

      const { code } = await started.kill("SIGTERM");
      expect(code).toBe(0);
      const failures = started.events.filter(is("log", {
        level: "error", msg: "poller tick failed", name: "sync",
      }));
      expect(failures.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe("with timeout", () => {
    it("exits with 1 soon after timeout when a tick hangs", async () => {
      const started = await startApp({ HANG: "1", TIMEOUT: "1000" });
      app = started;
      await started.waitFor(is("tick-start", { n: 1 }));

      const { code, ms } = await started.kill("SIGTERM");
      expect(code).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(1000 + 4000);
      const timedOut = await started.waitFor(is("log", {
        msg: "shutdown timed out",
      }));
      expect(timedOut.pending).toEqual(["task: sync"]);
      // the cleanup hook still ran, after the timeout and before the exit
      const steps = started.events.map((e) => String(e.msg ?? e.event));
      expect(steps.indexOf("cleanup"))
        .toBeGreaterThan(steps.indexOf("shutdown timed out"));
    });
  });

  describe("on a second signal", () => {
    it("exits with 1 at once", async () => {
      const started = await startApp({ HANG: "1", TIMEOUT: "30000" });
      app = started;
      await started.waitFor(is("tick-start", { n: 1 }));
      started.child.kill("SIGTERM");
      await started.waitFor(is("log", { msg: "shutdown begun" }));

      const { code, ms } = await started.kill("SIGINT");
      expect(code).toBe(1);
      expect(ms).toBeLessThan(5_000);
      expect(started.events).toContainEqual(expect.objectContaining({
        event: "log", msg: "shutdown forced by a second signal",
      }));
      // at once: neither the timeout nor the cleanup hooks are waited for
      expect(started.events.some(is("cleanup"))).toBe(false);
    });
  });
});
