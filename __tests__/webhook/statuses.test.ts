import net from "node:net";
import request from "supertest";

import {
  memoryReplayStore,
  silentLogger,
  webhook,
  type ReplayStore,
  type WebhookHandlers,
  type WebhookOptions,
} from "../../lib/index";
import { startServer } from "../helpers/server";
import { appFactories, hookPath } from "./helpers/apps";
import { captureLogger, type CaptureLogger } from "./helpers/capture-logger";
import { deliver, now, schemes, type SchemeFixture } from "./helpers/schemes";

// Every status of the receiver, for every scheme, in every kind of app.

function appFor(
  factory: (typeof appFactories)[number],
  scheme: SchemeFixture,
  handlers: WebhookHandlers,
  options: Partial<WebhookOptions> = {},
) {
  return factory.create(webhook(
    { ...scheme.options, logger: silentLogger, ...options },
    handlers,
  ));
}

/** Resolves once `logger` has a line `msg`; the suite timeout bounds it. */
async function logged(logger: CaptureLogger, msg: string): Promise<void> {
  while (!logger.lines.some((line) => line.msg === msg)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(appFactories)("webhook() in $name", (factory) => {
  describe.each(schemes)("with the $name scheme", (scheme) => {
    let calls: string[];
    const handlers: WebhookHandlers = {
      "order.paid": (_req, _res, body) => {
        calls.push(body.toString("utf8"));
      },
      "order.failed": () => {
        throw new Error("handler exploded with secret detail");
      },
    };

    beforeEach(() => {
      calls = [];
    });

    it("answers 200 and calls the handler with the body when signed", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(200);
      expect(calls).toEqual([body]);
    });

    it("answers 401 when the signature header is missing", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");
      delete headers[scheme.signatureHeader];

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });

    it("answers 401 when the signature is malformed", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");
      headers[scheme.signatureHeader] = "not a signature at all";

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });

    it("answers 401 when the signature has the wrong length", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");
      headers[scheme.signatureHeader] =
        headers[scheme.signatureHeader].slice(0, -4);

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });

    it("answers 401 when the body was altered", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");

      const res = await request(app).post(hookPath).set(headers)
        .send(body.replace("1200", "9900"));

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });

    it("answers 401 when signed with another secret", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.paid", "evt_1", {
        options: {
          secret: scheme.name === "standard-webhooks"
            ? "whsec_c2Vjb25kLXNlY3JldC1rZXktYnl0ZXM="
            : "another-secret",
        },
      });

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });

    if (scheme.isTimed) {
      it("answers 401 when the timestamp is six minutes old", async () => {
        const app = appFor(factory, scheme, handlers);
        const { body, headers } = deliver(scheme, "order.paid", "evt_1", {
          timestamp: now - 6 * 60_000,
        });

        const res = await request(app).post(hookPath).set(headers).send(body);

        expect(res.status).toBe(401);
        expect(calls).toEqual([]);
      });
    }

    it("answers 404 for a signed event without a handler", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.unknown", "evt_1");

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(404);
    });

    it("answers 401, not 404, for an unknown event when unsigned", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.unknown", "evt_1");
      delete headers[scheme.signatureHeader];

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(401);
    });

    it("answers 409 when a delivery is replayed", async () => {
      const app = appFor(factory, scheme, handlers, {
        replayStore: memoryReplayStore(),
      });
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");

      const first = await request(app).post(hookPath).set(headers).send(body);
      const second = await request(app).post(hookPath).set(headers).send(body);

      expect([first.status, second.status]).toEqual([200, 409]);
      expect(calls).toEqual([body]);
    });

    it("answers 413 for a body over maxBodyBytes", async () => {
      const app = appFor(factory, scheme, handlers, { maxBodyBytes: 64 });
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(413);
      expect(calls).toEqual([]);
    });

    // the client that aborts never reads the answer: what shows the 400
    // is the log line, the uncalled handler, and a server still answering
    it("refuses a body the client aborted (400) and stays up", async () => {
      const logger = captureLogger();
      const server = await startServer(appFor(factory, scheme, handlers, {
        logger,
      }));
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`).join("");

      try {
        const socket = net.connect(server.port, "127.0.0.1");
        socket.on("error", () => undefined);
        // aborted once the server has the request, not after a delay that a
        // loaded machine may not have connected within
        server.server.once("request", () => socket.destroy());
        socket.write(`POST ${hookPath} HTTP/1.1\r\nHost: x\r\n${head}` +
          `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
        await logged(logger, "webhook body unreadable");
        const next = await request(server.url).post(hookPath).set(headers)
          .send(body);

        expect(calls).toEqual([body]);
        expect(next.status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it("answers a generic 500 when the handler throws", async () => {
      const app = appFor(factory, scheme, handlers);
      const { body, headers } = deliver(scheme, "order.failed", "evt_1");

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(500);
      expect(res.text).toBe("internal server error");
    });

    it("answers 500 without calling the handler when the store fails", async () => {
      const failing: ReplayStore = {
        claim: () => Promise.reject(new Error("store down")),
        release: () => Promise.resolve(),
      };
      const app = appFor(factory, scheme, handlers, { replayStore: failing });
      const { body, headers } = deliver(scheme, "order.paid", "evt_1");

      const res = await request(app).post(hookPath).set(headers).send(body);

      expect(res.status).toBe(500);
      expect(calls).toEqual([]);
    });
  });
});
