import http from "node:http";
import net from "node:net";
import { PassThrough } from "node:stream";
import express from "express";
import express4 from "express4";
import request from "supertest";

import {
  keepRawBody,
  signWebhook,
  silentLogger,
  webhook,
  type WebhookMiddleware,
  type WebhookOptions,
} from "../../lib/index";
import { startServer, type TestServer } from "../helpers/server";
import { appFactories, expressFactories, hookPath } from "./helpers/apps";
import { captureLogger } from "./helpers/capture-logger";

const options = { secret: "body-test-secret", logger: silentLogger };

function signed(body: string | Buffer, event = "file.uploaded") {
  return signWebhook(options, body, { event });
}

/** A middleware recording the raw bodies its handler receives. */
function recorder(extra: Partial<WebhookOptions> = {}) {
  const bodies: Buffer[] = [];
  const middleware = webhook({ ...options, ...extra }, {
    "file.uploaded": (_req, _res, body) => {
      bodies.push(body);
    },
  });
  return { bodies, middleware };
}

/** Sends raw HTTP over a socket; resolves what the server answered. */
function rawRequest(
  port: number,
  head: string,
  write: (socket: net.Socket) => void,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    // the server may close while the client is still writing
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
    socket.write(head);
    write(socket);
  });
}

describe.each(appFactories)("webhook() in $name", (factory) => {
  describe("when it reads the stream itself", () => {
    it.each([
      ["non-ASCII text", Buffer.from('{"name":"Zoë ☃ 𝄞"}', "utf8")],
      ["\\u escapes", Buffer.from('{"name":"Zo\\u00eb \\u2603"}', "utf8")],
      ["bytes that are not UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3])],
      ["an empty body", Buffer.alloc(0)],
    ])("hands the handler the exact bytes of %s", async (_label, bytes) => {
      const { bodies, middleware } = recorder();

      const res = await request(factory.create(middleware))
        .post(hookPath)
        .set(signed(bytes))
        .set("content-type", "application/octet-stream")
        .send(bytes);

      expect(res.status).toBe(200);
      expect(bodies).toHaveLength(1);
      expect(bodies[0].equals(bytes)).toBe(true);
    });
  });

  describe("with maxBodyBytes", () => {
    let server: TestServer;
    let bodies: Buffer[];

    beforeEach(async () => {
      const built = recorder({ maxBodyBytes: 1024 });
      bodies = built.bodies;
      server = await startServer(factory.create(built.middleware));
    });

    afterEach(() => server.close());

    it("answers 413 on a declared length over the limit before reading", async () => {
      const answer = await rawRequest(
        server.port,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n`,
        () => undefined,
      );

      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/connection: close/i);
      expect(bodies).toEqual([]);
    });

    it("answers 413 on a chunked body once it passes the limit", async () => {
      const answer = await rawRequest(
        server.port,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\n` +
          "Transfer-Encoding: chunked\r\n\r\n",
        (socket) => {
          // 2 KiB in 256-byte chunks, and the stream left open: the answer
          // must come from the limit, not from the end of the body
          for (let i = 0; i < 8; i += 1) {
            socket.write(`100\r\n${"a".repeat(256)}\r\n`);
          }
        },
      );

      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(bodies).toEqual([]);
    });

    it("accepts a body of exactly maxBodyBytes", async () => {
      const body = Buffer.alloc(1024, 0x61);

      const res = await request(server.url).post(hookPath)
        .set(signed(body)).send(body);

      expect(res.status).toBe(200);
      expect(bodies[0].equals(body)).toBe(true);
    });

    it("stays up and answers the next request after a client aborts", async () => {
      await rawRequest(
        server.port,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n`,
        (socket) => {
          socket.write("{\"partial\":");
          // once the server has the request, whatever the machine's load
          server.server.once("request", () => socket.destroy());
        },
      );
      const body = "{}";

      const res = await request(server.url).post(hookPath)
        .set(signed(body)).send(body);

      expect(res.status).toBe(200);
      expect(bodies).toHaveLength(1);
    });
  });
});

describe("webhook() read errors", () => {
  it("answers 400 when the body is shorter than its Content-Length", async () => {
    const logger = captureLogger();
    const middleware: WebhookMiddleware = webhook({ ...options, logger }, {
      "*": () => undefined,
    });
    const req = new PassThrough() as unknown as http.IncomingMessage;
    Object.assign(req, { headers: { "content-length": "10" }, method: "POST" });
    const res = new http.ServerResponse(req);
    // without a socket the response never emits "finish": watch end()
    const finished = new Promise((resolve) => {
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof end>) => {
        resolve(undefined);
        return end(...args);
      }) as typeof res.end;
    });

    middleware(req, res);
    (req as unknown as PassThrough).end("short");
    await finished;

    expect(res.statusCode).toBe(400);
    expect(logger.lines.map((line) => line.msg))
      .toEqual(["webhook body unreadable"]);
  });
});

describe.each(expressFactories)("webhook() mount order in $name", (factory) => {
  const lib = factory === expressFactories[1] ? express4 : express;

  describe("mounted before express.json()", () => {
    it("lets other routes still get their parsed JSON", async () => {
      const { middleware } = recorder();

      const res = await request(factory.create(middleware))
        .post("/echo").send({ hello: "world" });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ parsed: { hello: "world" } });
    });

    it("marks the body read so a later JSON parser skips it", async () => {
      const app = lib();
      const seen: unknown[] = [];
      // a handler that passes on to the rest of the stack on purpose
      app.use(hookPath, webhook(options, {
        "file.uploaded": (req, _res, _body) => {
          const next = (req as unknown as { next: () => void }).next;
          next();
        },
      }));
      app.use(lib.json());
      app.use((req, res) => {
        seen.push(req.body);
        res.status(204).end();
      });
      const body = '{"a":1}';

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "application/json").send(body);

      expect(res.status).toBe(204);
      expect(seen).toHaveLength(1);
      expect(seen[0]).not.toEqual({ a: 1 });
    });
  });

  describe("mounted after express.json({ verify: keepRawBody })", () => {
    it("verifies the exact bytes the parser kept", async () => {
      const { bodies, middleware } = recorder();
      const app = lib();
      app.use(lib.json({ verify: keepRawBody }));
      app.use(hookPath, middleware);
      const body = '{ "spaced" : "Zo\\u00eb" }';

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "application/json").send(body);

      expect(res.status).toBe(200);
      expect(bodies[0].toString("utf8")).toBe(body);
    });
  });

  describe("mounted after express.text({ verify: keepRawBody })", () => {
    it("verifies the exact bytes the parser kept", async () => {
      const { bodies, middleware } = recorder();
      const app = lib();
      app.use(lib.text({ type: "*/*", verify: keepRawBody }));
      app.use(hookPath, middleware);
      const body = "plain text, caf\u00e9";

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "text/plain").send(body);

      expect(res.status).toBe(200);
      expect(bodies[0].toString("utf8")).toBe(body);
    });
  });

  describe("mounted after express.raw()", () => {
    it("verifies the Buffer req.body", async () => {
      const { bodies, middleware } = recorder();
      const app = lib();
      app.use(lib.raw({ type: "*/*" }));
      app.use(hookPath, middleware);
      const body = Buffer.from([0x00, 0xff, 0x10, 0x80]);

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "application/octet-stream").send(body);

      expect(res.status).toBe(200);
      expect(bodies[0].equals(body)).toBe(true);
    });

    it("answers 413 when the kept body is over maxBodyBytes", async () => {
      const { bodies, middleware } = recorder({ maxBodyBytes: 8 });
      const app = lib();
      app.use(lib.raw({ type: "*/*" }));
      app.use(hookPath, middleware);
      const body = Buffer.alloc(64, 0x61);

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "application/octet-stream").send(body);

      expect(res.status).toBe(413);
      expect(bodies).toEqual([]);
    });
  });

  describe("mounted after express.json() without keepRawBody", () => {
    it("answers 500 at once and logs an error naming the fix", async () => {
      const logger = captureLogger();
      const calls: Buffer[] = [];
      const app = lib();
      app.use(lib.json());
      app.use(hookPath, webhook({ ...options, logger }, {
        "file.uploaded": (_req, _res, body) => {
          calls.push(body);
        },
      }));
      const body = '{"a":1}';

      const res = await request(app).post(hookPath).set(signed(body))
        .set("content-type", "application/json").send(body);

      expect(res.status).toBe(500);
      expect(calls).toEqual([]);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0].level).toBe("error");
      const err = logger.lines[0].obj.err as Error;
      expect(err.message).toContain("keepRawBody");
      expect(err.message).toContain("before express.json()");
    });
  });
});
