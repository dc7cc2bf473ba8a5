import { Caller } from "../../lib";
import {
  rejectionOf,
  sendJSON,
  sleep,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

// "settles at once" is asserted with a wide margin (a few hundred ms
// against waits of 10 s or more), so that a loaded machine cannot flake it.
const PROMPTLY = 500;

describe("Caller with signal", () => {
  let upstream: Upstream;
  afterEach(() => upstream.close());

  describe("aborted during the backoff wait", () => {
    it("rejects with the signal's reason and starts no further attempt",
      async () => {
        upstream = await startUpstream((_req, res) => sendJSON(res, 503, {}));
        const caller = new Caller(testOptions(upstream, {
          backoff: () => 10_000, maxRetry: 5 }));
        const controller = new AbortController();
        const reason = new Error("shutting down");

        const call = rejectionOf(
          caller.get("/x", {}, { signal: controller.signal }));
        await upstream.waitForHits(1);
        await sleep(30);
        const abortedAt = Date.now();
        controller.abort(reason);

        expect(await call).toBe(reason);
        expect(Date.now() - abortedAt).toBeLessThan(PROMPTLY);
        await sleep(100);
        expect(upstream.hits).toHaveLength(1);
      });

    it("rejects with an AbortError when no reason was given", async () => {
      upstream = await startUpstream((_req, res) => sendJSON(res, 500, {}));
      const caller = new Caller(testOptions(upstream, {
        backoff: () => 10_000 }));
      const controller = new AbortController();
      const call = rejectionOf(
        caller.post("/x", {}, { signal: controller.signal }));
      await upstream.waitForHits(1);
      await sleep(30);
      controller.abort();

      const error = await call;
      expect(error).toBeInstanceOf(DOMException);
      expect(error.name).toBe("AbortError");
      expect(upstream.hits).toHaveLength(1);
    });
  });

  describe("aborted while onRetry is still running", () => {
    it("rejects at once without waiting for the hook", async () => {
      upstream = await startUpstream((_req, res) => sendJSON(res, 503, {}));
      let hookCalled = false;
      const caller = new Caller(testOptions(upstream, {
        onRetry: () => {
          hookCalled = true;
          return new Promise<void>(() => undefined);
        } }));
      const controller = new AbortController();
      const call = rejectionOf(
        caller.get("/x", {}, { signal: controller.signal }));
      await upstream.waitForHits(1);
      while (!hookCalled) await sleep(5);
      const abortedAt = Date.now();
      controller.abort(new Error("gone"));

      expect((await call).message).toBe("gone");
      expect(Date.now() - abortedAt).toBeLessThan(PROMPTLY);
      expect(upstream.hits).toHaveLength(1);
    });
  });

  describe("aborted in flight", () => {
    it("cuts the request, rejects at once and does not retry", async () => {
      let closed = 0;
      upstream = await startUpstream((_req, res) => {
        res.on("close", () => (closed += 1));
      });
      const caller = new Caller(testOptions(upstream, { timeout: 30_000 }));
      const controller = new AbortController();

      const call = rejectionOf(
        caller.get("/x", {}, { signal: controller.signal }));
      await upstream.waitForHits(1);
      const abortedAt = Date.now();
      controller.abort(new Error("client gone"));

      expect((await call).message).toBe("client gone");
      expect(Date.now() - abortedAt).toBeLessThan(PROMPTLY);
      await sleep(100);
      expect(closed).toBe(1);
      expect(upstream.hits).toHaveLength(1);
    });

    it("cuts a response whose body is still streaming", async () => {
      upstream = await startUpstream((_req, res) => {
        res.writeHead(200);
        res.write("[");
      });
      const caller = new Caller(testOptions(upstream));
      const controller = new AbortController();
      const call = rejectionOf(
        caller.get("/x", {}, { signal: controller.signal }));
      await upstream.waitForHits(1);
      await sleep(30);
      controller.abort();
      expect((await call).name).toBe("AbortError");
      expect(upstream.hits).toHaveLength(1);
    });
  });

  describe("aborted before the call", () => {
    it("rejects without sending anything", async () => {
      upstream = await startUpstream((_req, res) => sendJSON(res, 200, {}));
      const caller = new Caller(testOptions(upstream));
      const reason = new Error("already cancelled");
      const call = caller.get("/x", {}, { signal: AbortSignal.abort(reason) });
      await expect(call).rejects.toBe(reason);
      expect(upstream.hits).toHaveLength(0);
    });
  });

  describe("never aborted", () => {
    it("leaves no listener on the signal once the call is done",
      async () => {
        upstream = await startUpstream((_req, res) => sendJSON(res, 200, {}));
        const caller = new Caller(testOptions(upstream));
        const controller = new AbortController();
        const added: unknown[] = [];
        const removed: unknown[] = [];
        const signal = controller.signal;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((type: string, fn: never, opts: never) => {
          added.push(fn);
          add(type, fn, opts);
        }) as typeof signal.addEventListener;
        signal.removeEventListener = ((type: string, fn: never) => {
          removed.push(fn);
          remove(type, fn);
        }) as typeof signal.removeEventListener;

        for (let i = 0; i < 5; i += 1) await caller.get("/x", {}, { signal });
        expect(added.length).toBeGreaterThan(0);
        expect(added.every((fn) => removed.includes(fn))).toBe(true);
      });
  });
});
