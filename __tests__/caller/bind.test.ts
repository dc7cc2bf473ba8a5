import http from "node:http";
import express from "express";
import express4 from "express4";
import { BoundCaller, Caller, provideCallers } from "../../lib";
import { startServer, type TestServer } from "../helpers/server";
import {
  sendJSON,
  sleep,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

/** Sends GET `path` to `app` and returns the request, to destroy it. */
function request(
  app: TestServer,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
): { req: http.ClientRequest; body: Promise<string> } {
  let req!: http.ClientRequest;
  const body = new Promise<string>((resolve, reject) => {
    req = http.get(`${app.url}${path}`, { headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
  });
  return { req, body };
}

// the disconnect is watched on the response, whose events differ between
// Express 4 and 5: both are exercised
describe.each([
  ["express 5", express],
  ["express 4", express4 as typeof express],
])("caller.bind(req) in %s", (_name, createApp) => {
  let upstream: Upstream;
  let app: TestServer;
  let caller: Caller;
  let failures: unknown[];

  beforeEach(async () => {
    failures = [];
    upstream = await startUpstream((req, res, hit) => {
      if (req.url === "/slow") return; // never answers
      sendJSON(res, 200, { requestId: hit.headers["x-request-id"] ?? null });
    });
    caller = new Caller(testOptions(upstream, { backoff: () => 5_000 }));

    const server = createApp();
    server.get("/proxy/:path", async (req, res) => {
      try {
        res.json(await caller.bind(req).get(`/${req.params.path}`));
      } catch (error) {
        failures.push(error);
        if (!res.headersSent) res.status(502).end();
      }
    });
    app = await startServer(server);
  });

  afterEach(async () => {
    await app.close();
    await upstream.close();
  });

  it("forwards the incoming X-Request-Id", async () => {
    const { body } = request(app, "/proxy/echo", { "X-Request-Id": "req-7" });
    expect(JSON.parse(await body)).toEqual({ requestId: "req-7" });
  });

  it("forwards no request id that is not a plain token", async () => {
    const { body } = request(app, "/proxy/echo",
      { "X-Request-Id": "a b" });
    expect(JSON.parse(await body)).toEqual({ requestId: null });
  });

  it("aborts the upstream call when the client disconnects", async () => {
    let upstreamClosed = false;
    upstream.server.on("request", (req: http.IncomingMessage) => {
      req.socket.on("close", () => (upstreamClosed = true));
    });
    const { req, body } = request(app, "/proxy/slow");
    body.catch(() => undefined);

    await upstream.waitForHits(1);
    req.destroy();

    for (let i = 0; i < 100 && failures.length === 0; i += 1) await sleep(10);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: "AbortError" });
    await sleep(100);
    expect(upstreamClosed).toBe(true);
    expect(upstream.hits).toHaveLength(1);
  });

  it("does not abort calls made after the response was sent", async () => {
    const server = createApp();
    const later: Promise<unknown>[] = [];
    server.get("/", (req, res) => {
      const bound = caller.bind(req);
      res.json({ accepted: true });
      res.on("finish", () => later.push(bound.get("/echo")));
    });
    const accepting = await startServer(server);
    try {
      const { body } = request(accepting, "/");
      await body;
      for (let i = 0; i < 100 && later.length === 0; i += 1) await sleep(5);
      await expect(later[0]).resolves.toEqual({ requestId: null });
    } finally {
      await accepting.close();
    }
  });

  it("merges a per-call signal with the request's", async () => {
    const server = createApp();
    const errors: unknown[] = [];
    server.get("/", async (req, res) => {
      const reason = new Error("per-call");
      const call = caller.bind(req).get("/slow", {},
        { signal: AbortSignal.abort(reason) });
      await call.catch((error) => errors.push(error));
      res.end();
    });
    const withSignal = await startServer(server);
    try {
      await request(withSignal, "/").body;
      expect((errors[0] as Error).message).toBe("per-call");
    } finally {
      await withSignal.close();
    }
  });

  it("throws a TypeError without a response to watch", () => {
    const req = new http.IncomingMessage(null as never);
    expect(() => caller.bind(req)).toThrow(
      "caller: bind needs the response, as req.res or option res");
  });
});

describe("provideCallers()", () => {
  let upstream: Upstream;
  beforeEach(async () => {
    upstream = await startUpstream((_req, res, hit) =>
      sendJSON(res, 200, { requestId: hit.headers["x-correlation-id"] }));
  });
  afterEach(() => upstream.close());

  it("hands route handlers callers bound to their request", async () => {
    const billing = new Caller(testOptions(upstream));
    const upstreams = provideCallers({ billing },
      { requestIdHeader: "X-Correlation-Id" });
    const server = express();
    server.use(upstreams);
    server.get("/", async (req, res) => {
      const { billing: bound } = upstreams.from(req);
      expect(bound).toBeInstanceOf(BoundCaller);
      res.json(await bound.get("/x"));
    });
    const app = await startServer(server);
    try {
      const { body } = request(app, "/", { "X-Correlation-Id": "c-1" });
      expect(JSON.parse(await body)).toEqual({ requestId: "c-1" });
    } finally {
      await app.close();
    }
  });

  it("throws when read for a request it did not see", () => {
    const upstreams = provideCallers({});
    const req = new http.IncomingMessage(null as never);
    expect(() => upstreams.from(req)).toThrow(
      "caller: provideCallers() middleware did not run for this request");
  });
});
