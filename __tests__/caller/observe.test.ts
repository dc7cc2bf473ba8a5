import { Writable } from "node:stream";
import { inspect } from "node:util";
import pino from "pino";
import { Caller, type RetryEvent } from "../../lib";
import {
  rejectionOf,
  sendJSON,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

const SECRET = "Bearer sk_live_do_not_log";

/** A pino logger writing into `lines`. */
function memoryLogger(lines: string[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return pino({ level: "debug" }, sink);
}

/**
 * How an error typically ends up in a log: pino's serialiser, and
 * util.inspect as console.error prints it (causes and their fields too).
 */
function renderings(error: Error): string {
  const lines: string[] = [];
  memoryLogger(lines).error({ err: error }, "call failed");
  return lines.join("") + inspect(error, { depth: 10 });
}

describe("Caller observability", () => {
  let upstream: Upstream;
  beforeEach(async () => {
    let failures = 2;
    upstream = await startUpstream((req, res) => {
      if (req.url?.startsWith("/always")) return sendJSON(res, 502, {});
      if (failures-- > 0) return sendJSON(res, 503, {});
      sendJSON(res, 200, {});
    });
  });
  afterEach(() => upstream.close());

  describe("with onRetry", () => {
    it("sees method, URL without query, attempt, delay and reason",
      async () => {
        const events: RetryEvent[] = [];
        const caller = new Caller(testOptions(upstream, {
          backoff: (attempt) => attempt * 5,
          onRetry: (event) => void events.push(event) }));
        await caller.post("/orders?token=abc", {});
        expect(events).toEqual([1, 2].map((attempt) => ({
          method: "POST", url: `${upstream.url}/orders`, attempt,
          delay: attempt * 5, reason: "503 Service Unavailable",
          statusCode: 503,
        })));
      });

    it("logs a hook that throws and goes on retrying", async () => {
      const lines: string[] = [];
      const caller = new Caller(testOptions(upstream, {
        logger: memoryLogger(lines),
        onRetry: () => { throw new Error("hook broke"); } }));
      await expect(caller.get("/x")).resolves.toEqual({});
      expect(lines.join("")).toContain("caller onRetry hook failed");
    });
  });

  describe("with logger", () => {
    it("goes on retrying when the logger throws", async () => {
      const broken = { warn: () => { throw new Error("log sink closed"); },
        error: () => { throw new Error("log sink closed"); } };
      const caller = new Caller(testOptions(upstream, { logger: broken,
        onRetry: () => { throw new Error("hook broke"); } }));
      await expect(caller.get("/x")).resolves.toEqual({});
      expect(upstream.hits).toHaveLength(3);
    });

    it("logs each retry at warn, without header values", async () => {
      const lines: string[] = [];
      const caller = new Caller(testOptions(upstream, {
        logger: memoryLogger(lines), headers: { Authorization: SECRET } }));
      await caller.get("/x?api_key=hidden");

      const records = lines.map((line) => JSON.parse(line));
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({ level: 40, method: "GET",
        url: `${upstream.url}/x`, attempt: 1,
        msg: "caller retrying request" });
      expect(lines.join("")).not.toContain("sk_live");
      expect(lines.join("")).not.toContain("hidden");
    });
  });

  describe("errors", () => {
    it("hold no header value, logged with pino's error serialiser",
      async () => {
        const caller = new Caller(testOptions(upstream, {
          headers: { Authorization: SECRET } }));
        const error = await rejectionOf(caller.get("/always?api_key=hidden"));

        expect(error.message).toBe(`GET ${upstream.url}/always: 502 Bad ` +
          "Gateway (4 attempts): {}");
        expect(renderings(error)).not.toContain("sk_live");
        expect(renderings(error)).not.toContain("hidden");
      });

    it("name the URL without the credentials of baseURL", async () => {
      const base = upstream.url.replace("://", "://svc:pa55word@");
      const lines: string[] = [];
      const caller = new Caller(testOptions(upstream, { baseURL: base,
        logger: memoryLogger(lines) }));
      const error = await rejectionOf(caller.get("/always"));

      expect(upstream.hits[0].headers.authorization)
        .toBe(`Basic ${Buffer.from("svc:pa55word").toString("base64")}`);
      expect(error).toMatchObject({ url: `${upstream.url}/always` });
      expect(renderings(error)).not.toContain("pa55word");
      expect(lines.join("")).not.toContain("pa55word");
    });

    it("keep no header value in a timeout error's cause", async () => {
      const stalled = await startUpstream(() => undefined);
      try {
        const caller = new Caller(testOptions(stalled, {
          maxRetry: 0, timeout: 50, headers: { Authorization: SECRET } }));
        const error = await rejectionOf(caller.get("/x"));
        expect(renderings(error)).toContain("ERR_REQUEST_TIMEOUT");
        expect(renderings(error)).not.toContain("sk_live");
      } finally {
        await stalled.close();
      }
    });

    it("keep no header value in a network error's cause", async () => {
      const dead = await startUpstream((req) => req.socket.destroy());
      try {
        const caller = new Caller(testOptions(dead, {
          maxRetry: 0, headers: { Authorization: SECRET } }));
        const error = await rejectionOf(caller.get("/x"));
        expect(renderings(error)).toContain("ECONNRESET");
        expect(renderings(error)).not.toContain("sk_live");
      } finally {
        await dead.close();
      }
    });
  });
});
