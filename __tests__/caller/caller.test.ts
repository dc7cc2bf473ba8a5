import http from "node:http";
import axios from "axios";
import {
  Caller,
  HTTPStatusError,
  ResponseParseError,
} from "../../lib";
import {
  rejectionOf,
  sendJSON,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

describe("Caller", () => {
  let upstream: Upstream;
  let caller: Caller;

  beforeEach(async () => {
    upstream = await startUpstream((req, res, hit) => {
      if (req.url === "/empty") return void res.writeHead(204).end();
      if (req.url === "/text") return void res.end("not json {");
      sendJSON(res, 200, { method: hit.method, url: hit.url, body: hit.body });
    });
    caller = new Caller(testOptions(upstream));
  });

  afterEach(() => upstream.close());

  describe("get()", () => {
    it("decodes the JSON response", async () => {
      const result = await caller.get<{ method: string }>("/thing");
      expect(result).toEqual({ method: "GET", url: "/thing", body: "" });
    });

    it("serialises params, repeating the key of an array", async () => {
      await caller.get("/search", { q: "a b&c", id: [1, 2], skip: null });
      expect(upstream.hits[0].url).toBe("/search?q=a+b%26c&id=1&id=2");
    });

    it("reuses one keep-alive connection for calls in a row", async () => {
      const ports = new Set<number | undefined>();
      upstream.server.on("request", (req: http.IncomingMessage) =>
        ports.add(req.socket.remotePort));
      for (let i = 0; i < 3; i += 1) await caller.get("/thing");
      await caller.get("/empty");
      await caller.get("/thing");
      expect(ports.size).toBe(1);
    });

    it("resolves undefined for an empty body", async () => {
      await expect(caller.get("/empty")).resolves.toBeUndefined();
    });

    it("rejects a 2xx body that is not JSON, with the raw text", async () => {
      const error = await rejectionOf(caller.get("/text"));
      expect(error).toBeInstanceOf(ResponseParseError);
      expect(error).toMatchObject({
        code: "ERR_RESPONSE_PARSE", rawBody: "not json {", statusCode: 200,
        attempts: 1,
      });
      expect(upstream.hits).toHaveLength(1);
    });

    it.each(["q=1", ["q", "1"]])(
      "rejects query parameters given as %p with a TypeError",
      async (params) => {
        await expect(caller.get("/x", params as never)).rejects
          .toThrow("caller: query parameters must be an object");
        expect(upstream.hits).toHaveLength(0);
      });

    it("rejects an object query value with a TypeError", async () => {
      const params = { filter: { a: 1 } } as never;
      await expect(caller.get("/x", params)).rejects.toThrow(TypeError);
      expect(upstream.hits).toHaveLength(0);
    });
  });

  describe("with discardBody", () => {
    it("resolves undefined whatever the body holds", async () => {
      const result = await caller.get("/text", {}, { discardBody: true });
      expect(result).toBeUndefined();
    });
  });

  describe("post() put() patch() delete()", () => {
    it.each(["post", "put", "patch", "delete"] as const)(
      "%s sends a JSON body with its content type", async (method) => {
        await caller[method]("/things", { n: 1 });
        const hit = upstream.hits[0];
        expect(hit.method).toBe(method.toUpperCase());
        expect(hit.body).toBe('{"n":1}');
        expect(hit.headers["content-type"]).toBe("application/json");
      });

    it.each([
      ["a cycle", (() => { const a: Record<string, unknown> = {};
        a.self = a; return a; })()],
      ["a BigInt", { amount: BigInt(1) }],
      ["a function", () => undefined],
    ])("rejects a body with %s with a TypeError, sending nothing",
      async (_label, body) => {
        await expect(caller.post("/x", body)).rejects
          .toThrow("caller: body is not serialisable as JSON");
        expect(upstream.hits).toHaveLength(0);
      });

    it("sends a Buffer as given", async () => {
      await caller.post("/raw", Buffer.from([0xde, 0xad]));
      expect(upstream.hits[0].headers["content-type"])
        .toBe("application/octet-stream");
      expect(upstream.hits[0].raw).toEqual(Buffer.from([0xde, 0xad]));
    });

    it("sends only the range of a Uint8Array view", async () => {
      const whole = new TextEncoder().encode("xxhelloxx");
      await caller.put("/raw", whole.subarray(2, 7));
      expect(upstream.hits[0].body).toBe("hello");
    });

    it("sends a string as given, without JSON quotes", async () => {
      await caller.post("/raw", "a=1&b=2", {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      expect(upstream.hits[0].body).toBe("a=1&b=2");
      expect(upstream.hits[0].headers["content-type"])
        .toBe("application/x-www-form-urlencoded");
    });

    it("sends a string that happens to be JSON unchanged", async () => {
      await caller.post("/raw", '"quoted"');
      expect(upstream.hits[0].body).toBe('"quoted"');
    });

    it.each(["post", "put", "patch"] as const)(
      "%s without a body sends no body and no content type",
      async (method) => {
        await caller[method]("/things");
        const hit = upstream.hits[0];
        expect(hit.body).toBe("");
        expect(hit.headers["content-type"]).toBeUndefined();
        expect(hit.headers["content-length"]).toBe("0");
      });

    it("keeps a content type set per call on a call without a body",
      async () => {
        await caller.post("/things", undefined,
          { headers: { "content-type": "application/json" } });
        expect(upstream.hits[0].headers["content-type"])
          .toBe("application/json");
      });

    it("sends delete() without a body when none is given", async () => {
      await caller.delete("/things/1");
      expect(upstream.hits[0]).toMatchObject({ method: "DELETE", body: "" });
    });
  });

  describe("with headers", () => {
    it("sends the static headers and per-call ones merged over them",
      async () => {
        const withHeaders = new Caller(testOptions(upstream, {
          headers: { Authorization: "Bearer a", "X-Tenant": "t1" },
          axios: axios.create(),
        }));
        await withHeaders.get("/h", {}, { headers: { "x-tenant": "t2" } });
        expect(upstream.hits[0].headers).toMatchObject({
          authorization: "Bearer a", "x-tenant": "t2",
          accept: "application/json",
        });
      });

    it("refuses a header value with a line break at construction", () => {
      expect(() => new Caller(testOptions(upstream, {
        headers: { "X-Bad": "a\r\nInjected: 1" },
      }))).toThrow("caller: option headers.X-Bad must be a string without");
    });
  });

  describe("with baseURL", () => {
    it.each([undefined, "", "/relative", "ftp://host", "not a url",
      "http://host/?q=1"])("throws a TypeError at construction for %p",
      (baseURL) => {
        expect(() => new Caller({ baseURL })).toThrow(
          "caller: option baseURL must be an absolute http(s) URL");
      });

    it("resolves paths under its path, with or without slashes",
      async () => {
        const nested = new Caller(testOptions(upstream, {
          baseURL: `${upstream.url}/api/v1/`,
        }));
        await nested.get("things");
        await nested.get("/things");
        expect(upstream.hits.map((hit) => hit.url))
          .toEqual(["/api/v1/things", "/api/v1/things"]);
      });

    it("keeps an absolute URL passed as a path on the base host",
      async () => {
        const other = await startUpstream((_req, res) => res.end("{}"));
        try {
          const secret = new Caller(testOptions(upstream, {
            headers: { Authorization: "Bearer secret" },
          }));
          await secret.get(`${other.url}/steal`);
          await secret.get(`//127.0.0.1:${other.port}/steal`);
          expect(other.hits).toHaveLength(0);
          expect(upstream.hits).toHaveLength(2);
        } finally {
          await other.close();
        }
      });

    it("refuses a path whose dot segments climb out of the base path",
      async () => {
        const nested = new Caller(testOptions(upstream, {
          baseURL: `${upstream.url}/api/v1`,
        }));
        await expect(nested.get("../../admin")).rejects
          .toThrow("caller: path /admin resolves outside baseURL");
        await expect(nested.get("/%2e%2e/v2/x")).rejects.toThrow(TypeError);
        expect(upstream.hits).toHaveLength(0);
      });
  });

  describe("with axios", () => {
    it("builds on the instance given and exposes it as caller.axios",
      async () => {
        const instance = axios.create({ headers: { "X-From": "instance" } });
        const built = new Caller(testOptions(upstream, { axios: instance }));
        expect(built.axios).toBe(instance);
        await built.get("/x");
        expect(upstream.hits[0].headers["x-from"]).toBe("instance");
      });

    it("takes baseURL from the instance when the option is absent",
      async () => {
        const instance = axios.create({ baseURL: upstream.url });
        const built = new Caller({ ...testOptions(upstream), axios: instance,
          baseURL: undefined });
        await built.get("/from-instance");
        expect(upstream.hits[0].url).toBe("/from-instance");
      });

    it("refuses an instance another Caller already uses", () => {
      const instance = axios.create();
      new Caller(testOptions(upstream, { axios: instance }));
      expect(() => new Caller(testOptions(upstream, { axios: instance })))
        .toThrow("caller: option axios is already used by another Caller");
    });

    it("retries calls sent through caller.axios directly", async () => {
      let failures = 1;
      const flaky = await startUpstream((_req, res) => {
        if (failures-- > 0) return sendJSON(res, 503, {});
        sendJSON(res, 200, { direct: true });
      });
      try {
        const built = new Caller(testOptions(flaky));
        const response = await built.axios.get(`${flaky.url}/direct`);
        expect(response.data).toEqual({ direct: true });
        expect(flaky.hits).toHaveLength(2);
      } finally {
        await flaky.close();
      }
    });

    it("works with a non-http adapter, with a warning", async () => {
      const stalled = await startUpstream(() => undefined);
      const warnings: string[] = [];
      try {
        const built = new Caller(testOptions(stalled, {
          axios: axios.create({ adapter: "fetch" }), timeout: 100,
          maxRetry: 1,
          logger: { error: () => undefined,
            warn: (_obj, msg) => void warnings.push(msg) },
        }));
        const error = await rejectionOf(built.get("/x"));
        expect(error).toMatchObject({ name: "RequestTimeoutError",
          attempts: 2 });
        expect(warnings[0]).toContain("does not use axios' http adapter");
      } finally {
        await stalled.close();
      }
    });

    it("leaves one synchronous request interceptor, its own", () => {
      // axios-retry's request interceptor is ejected by the id it returns,
      // so that calls stay on axios' synchronous path; if a new version
      // stops returning that id, or returns another, this fails
      const instance = axios.create();
      const mine = instance.interceptors.request.use((config) => config);
      new Caller(testOptions(upstream, { axios: instance }));

      const { handlers } = instance.interceptors.request as unknown as {
        handlers: Array<{ synchronous: boolean } | null> };
      const live = handlers.filter((handler) => handler !== null);
      expect(live).toHaveLength(2);
      expect(handlers[mine]).not.toBeNull();
      expect(live[1]?.synchronous).toBe(true);
    });

    it("runs request interceptors on every attempt", async () => {
      let failures = 1;
      const flaky = await startUpstream((_req, res) => {
        if (failures-- > 0) return sendJSON(res, 503, {});
        sendJSON(res, 200, {});
      });
      try {
        const built = new Caller(testOptions(flaky));
        const seen: string[] = [];
        built.axios.interceptors.request.use((config) => {
          seen.push(String(config.url));
          return config;
        });
        await built.get("/traced");
        expect(seen).toEqual(["/traced", "/traced"]);
      } finally {
        await flaky.close();
      }
    });
  });

  describe("errors", () => {
    it("rejects a 422 with HTTPStatusError naming method and URL",
      async () => {
        const strict = await startUpstream((_req, res) =>
          sendJSON(res, 422, { error: "amount must be positive" }));
        try {
          const billing = new Caller(testOptions(strict));
          const error = await rejectionOf(
            billing.post("/invoices?token=abc", { amount: -1 }));
          expect(error).toBeInstanceOf(HTTPStatusError);
          expect(error.message).toBe(`POST ${strict.url}/invoices: 422 ` +
            "Unprocessable Entity (1 attempt): " +
            '{"error":"amount must be positive"}');
          expect(error).toMatchObject({
            name: "HTTPStatusError", code: "ERR_HTTP_STATUS",
            statusCode: 422, statusText: "Unprocessable Entity",
            body: { error: "amount must be positive" },
            rawBody: '{"error":"amount must be positive"}',
            method: "POST", url: `${strict.url}/invoices`,
            retriable: false, attempts: 1,
          });
          expect((error as HTTPStatusError).headers["content-type"])
            .toBe("application/json");
        } finally {
          await strict.close();
        }
      });
  });
});
