import request from "supertest";

import {
  memoryReplayStore,
  silentLogger,
  webhook,
  type ReplayStore,
  type WebhookHandlers,
  type WebhookOptions,
} from "../../lib/index";
import { appFactories, hookPath } from "./helpers/apps";
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
