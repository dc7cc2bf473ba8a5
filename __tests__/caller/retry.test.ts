import axios from "axios";
import {
  Caller,
  HTTPStatusError,
  NetworkError,
  RequestTimeoutError,
  type RetryEvent,
} from "../../lib";
import {
  rejectionOf,
  sendJSON,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

/** An upstream answering `failures` times with `status`, then 200. */
async function flakyUpstream(
  failures: number,
  status: number,
  headers: Record<string, string> = {},
): Promise<Upstream> {
  let remaining = failures;
  return startUpstream((_req, res) => {
    if (remaining-- > 0) return sendJSON(res, status, { status }, headers);
    sendJSON(res, 200, { ok: true });
  });
}

describe("Caller retries", () => {
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });

  describe("on retriable statuses", () => {
    it.each([500, 503, 429])("retries a %i and resolves the next success",
      async (status) => {
        upstream = await flakyUpstream(2, status);
        const caller = new Caller(testOptions(upstream));
        await expect(caller.post("/x", {})).resolves.toEqual({ ok: true });
        expect(upstream.hits).toHaveLength(3);
      });

    it("rejects after maxRetry with a retriable HTTPStatusError", async () => {
      upstream = await flakyUpstream(10, 503);
      const caller = new Caller(testOptions(upstream, { maxRetry: 2 }));
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toBeInstanceOf(HTTPStatusError);
      expect(error).toMatchObject({ statusCode: 503, retriable: true,
        attempts: 3 });
      expect(error.message).toContain("503 Service Unavailable (3 attempts)");
      expect(upstream.hits).toHaveLength(3);
    });
  });

  describe("on final statuses", () => {
    it.each([400, 401, 404, 409, 422])("does not retry a %i",
      async (status) => {
        upstream = await flakyUpstream(10, status);
        const caller = new Caller(testOptions(upstream));
        const error = await rejectionOf(caller.get("/x"));
        expect(error).toMatchObject({ statusCode: status, retriable: false,
          attempts: 1 });
        expect(upstream.hits).toHaveLength(1);
      });
  });

  describe("with maxRetry: 0", () => {
    it("makes one attempt only", async () => {
      upstream = await flakyUpstream(10, 500);
      const caller = new Caller(testOptions(upstream, { maxRetry: 0 }));
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toMatchObject({ statusCode: 500, attempts: 1 });
      expect(upstream.hits).toHaveLength(1);
    });
  });

  describe("by default", () => {
    it("makes 3 retries with delays in the equal-jitter ranges",
      async () => {
        upstream = await flakyUpstream(10, 502);
        const delays: number[] = [];
        const caller = new Caller({ ...testOptions(upstream),
          backoff: undefined,
          onRetry: (event) => void delays.push(event.delay) });
        const error = await rejectionOf(caller.get("/x"));
        expect(error).toMatchObject({ attempts: 4 });
        expect(upstream.hits).toHaveLength(4);
        expect(delays[0]).toBeGreaterThanOrEqual(50);
        expect(delays[0]).toBeLessThanOrEqual(100);
        expect(delays[1]).toBeGreaterThanOrEqual(100);
        expect(delays[1]).toBeLessThanOrEqual(200);
        expect(delays[2]).toBeGreaterThanOrEqual(200);
        expect(delays[2]).toBeLessThanOrEqual(400);
      });
  });

  describe("on network failures", () => {
    it("retries a socket destroyed mid-response", async () => {
      let cuts = 1;
      upstream = await startUpstream((_req, res) => {
        if (cuts-- > 0) {
          res.writeHead(200, { "content-length": "1000" });
          res.write('{"partial":');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        sendJSON(res, 200, { whole: true });
      });
      const caller = new Caller(testOptions(upstream));
      await expect(caller.get("/x")).resolves.toEqual({ whole: true });
      expect(upstream.hits).toHaveLength(2);
    });

    it("retries a socket destroyed before the response", async () => {
      upstream = await startUpstream((req) => req.socket.destroy());
      const caller = new Caller(testOptions(upstream, { maxRetry: 2 }));
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ code: "ECONNRESET", retriable: true,
        attempts: 3 });
      expect(upstream.hits).toHaveLength(3);
    });

    it("retries a refused connection and keeps its code", async () => {
      upstream = await startUpstream(() => undefined);
      const url = upstream.url;
      await upstream.close();
      upstream = undefined;
      const caller = new Caller(testOptions({ url }, { maxRetry: 1 }));
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toMatchObject({ name: "NetworkError",
        code: "ECONNREFUSED", attempts: 2 });
      expect((error.cause as { code?: string }).code).toBe("ECONNREFUSED");
    });
  });

  describe("on DNS failures", () => {
    /** A Caller whose every lookup fails with `code`, counting lookups. */
    function failingLookup(
      code: string,
    ): { caller: Caller; lookups(): number } {
      let count = 0;
      const instance = axios.create({
        lookup: (_host, _options, callback) => {
          count += 1;
          const error = Object.assign(new Error(`getaddrinfo ${code}`),
            { code });
          callback(error, []);
        },
      });
      const caller = new Caller({ ...testOptions({ url: "http://api.test" }),
        axios: instance, maxRetry: 2 });
      return { caller, lookups: () => count };
    }

    it("retries a temporary failure (EAI_AGAIN)", async () => {
      const { caller, lookups } = failingLookup("EAI_AGAIN");
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toMatchObject({ name: "NetworkError", code: "EAI_AGAIN",
        retriable: true, attempts: 3 });
      expect(lookups()).toBe(3);
    });

    it("does not retry a name that does not exist (ENOTFOUND)", async () => {
      const { caller, lookups } = failingLookup("ENOTFOUND");
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toMatchObject({ code: "ENOTFOUND", retriable: false,
        attempts: 1 });
      expect(lookups()).toBe(1);
    });
  });

  describe("with timeout", () => {
    it("cuts an attempt that stalls mid-body and retries it", async () => {
      upstream = await startUpstream((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"slow":');
      });
      const caller = new Caller(testOptions(upstream, { timeout: 150,
        maxRetry: 1 }));
      const error = await rejectionOf(caller.get("/x"));
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error).toMatchObject({ code: "ERR_REQUEST_TIMEOUT",
        timeout: 150, attempts: 2 });
      expect(error.message).toContain("attempt timed out after 150 ms");
      expect(upstream.hits).toHaveLength(2);
    });

    it("bounds an attempt from start to last byte, not by idle time",
      async () => {
        // a byte every 30 ms keeps an idle timer from ever firing
        upstream = await startUpstream((_req, res) => {
          res.writeHead(200);
          const drip = setInterval(() => res.write(" "), 30);
          res.on("close", () => clearInterval(drip));
        });
        const caller = new Caller(testOptions(upstream, { timeout: 200,
          maxRetry: 0 }));
        const started = Date.now();
        const error = await rejectionOf(caller.get("/x"));
        expect(error).toBeInstanceOf(RequestTimeoutError);
        expect(Date.now() - started).toBeLessThan(2_000);
      });

    it("lets the next attempt run its own full deadline", async () => {
      let stalls = 1;
      upstream = await startUpstream((_req, res) => {
        if (stalls-- > 0) return;
        setTimeout(() => sendJSON(res, 200, { late: true }), 100);
      });
      const caller = new Caller(testOptions(upstream, { timeout: 300 }));
      await expect(caller.get("/x")).resolves.toEqual({ late: true });
    });

    it("does not cut the backoff wait short after a timeout", async () => {
      let stalls = 1;
      upstream = await startUpstream((_req, res) => {
        if (stalls-- > 0) return;
        sendJSON(res, 200, {});
      });
      const caller = new Caller(testOptions(upstream, { timeout: 50,
        backoff: () => 300 }));
      const started = Date.now();
      await caller.get("/x");
      expect(Date.now() - started).toBeGreaterThanOrEqual(340);
    });
  });

  describe("with Retry-After", () => {
    it("waits the seconds it gives instead of the backoff", async () => {
      upstream = await flakyUpstream(1, 429, { "retry-after": "1" });
      const events: RetryEvent[] = [];
      const caller = new Caller(testOptions(upstream, {
        backoff: () => 5, onRetry: (event) => void events.push(event) }));
      const started = Date.now();
      await caller.get("/x");
      expect(events[0].delay).toBe(1_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    });

    it("waits until the HTTP-date it gives", async () => {
      const date = new Date(Date.now() + 2_000).toUTCString();
      upstream = await flakyUpstream(1, 503, { "retry-after": date });
      const events: RetryEvent[] = [];
      const caller = new Caller(testOptions(upstream, {
        onRetry: (event) => void events.push(event) }));
      await caller.get("/x");
      expect(events[0].delay).toBeGreaterThan(900);
      expect(events[0].delay).toBeLessThanOrEqual(2_000);
    });

    it("clamps a long wait to maxRetryAfter rather than giving up",
      async () => {
        upstream = await flakyUpstream(1, 503, { "retry-after": "3600" });
        const events: RetryEvent[] = [];
        const caller = new Caller(testOptions(upstream, {
          maxRetryAfter: 50, onRetry: (event) => void events.push(event) }));
        await expect(caller.get("/x")).resolves.toEqual({ ok: true });
        expect(events[0].delay).toBe(50);
      });

    it("waits the longest a timer keeps for a wait longer than that",
      async () => {
        // 35 days: a timer that long would fire after 1 ms instead
        upstream = await flakyUpstream(1, 503, { "retry-after": "3000000" });
        const events: RetryEvent[] = [];
        const caller = new Caller(testOptions(upstream, {
          maxRetryAfter: Infinity,
          onRetry: (event) => void events.push(event) }));
        const controller = new AbortController();
        const call = rejectionOf(
          caller.get("/x", {}, { signal: controller.signal }));
        await upstream.waitForHits(1);
        await new Promise((resolve) => setTimeout(resolve, 100));
        controller.abort();

        expect((await call).name).toBe("AbortError");
        expect(events[0].delay).toBe(2 ** 31 - 1);
        expect(upstream.hits).toHaveLength(1);
      });

    it("falls back to the backoff for an invalid value", async () => {
      upstream = await flakyUpstream(1, 503, { "retry-after": "soon" });
      const events: RetryEvent[] = [];
      const caller = new Caller(testOptions(upstream, {
        backoff: () => 7, onRetry: (event) => void events.push(event) }));
      await caller.get("/x");
      expect(events[0].delay).toBe(7);
    });
  });

  describe("with backoff", () => {
    it("is called with the retry number, counting from 1", async () => {
      upstream = await flakyUpstream(3, 500);
      const attempts: number[] = [];
      const caller = new Caller(testOptions(upstream, {
        backoff: (attempt) => (attempts.push(attempt), 0) }));
      await caller.get("/x");
      expect(attempts).toEqual([1, 2, 3]);
    });

    it("rejects with a TypeError when it returns no valid delay",
      async () => {
        upstream = await flakyUpstream(3, 500);
        const caller = new Caller(testOptions(upstream, {
          backoff: () => Number.NaN }));
        await expect(caller.get("/x")).rejects.toThrow(
          "caller: backoff(1) must return a finite number of milliseconds");
      });
  });

  describe("with idempotencyKey", () => {
    it("sends one generated key on every attempt of a POST", async () => {
      upstream = await flakyUpstream(2, 503);
      const caller = new Caller(testOptions(upstream,
        { idempotencyKey: true }));
      await caller.post("/payments", { amount: 1 });
      const keys = upstream.hits.map((hit) => hit.headers["idempotency-key"]);
      expect(keys).toHaveLength(3);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(keys).size).toBe(1);
    });

    it("generates a new key for each PATCH call, none for GET or PUT",
      async () => {
        upstream = await flakyUpstream(0, 200);
        const caller = new Caller(testOptions(upstream,
          { idempotencyKey: true }));
        await caller.patch("/a", {});
        await caller.patch("/a", {});
        await caller.get("/a");
        await caller.put("/a", {});
        const keys = upstream.hits.map((hit) => hit.headers["idempotency-key"]);
        expect(keys[0]).not.toBe(keys[1]);
        expect(keys.slice(2)).toEqual([undefined, undefined]);
      });

    it("takes a per-call key on any method, or false for none",
      async () => {
        upstream = await flakyUpstream(0, 200);
        const caller = new Caller(testOptions(upstream,
          { idempotencyKey: true }));
        await caller.put("/a", {}, { idempotencyKey: "order-42" });
        await caller.post("/a", {}, { idempotencyKey: false });
        expect(upstream.hits[0].headers["idempotency-key"]).toBe("order-42");
        expect(upstream.hits[1].headers["idempotency-key"]).toBeUndefined();
      });
  });
});
