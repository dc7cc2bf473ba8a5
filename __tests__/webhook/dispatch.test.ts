import type { Response } from "express";
import request from "supertest";

import {
  signWebhook,
  webhook,
  WebhookReceiver,
  type WebhookDelivery,
  type WebhookHandlers,
} from "../../lib/index";
import { expressFactories, hookPath, plainApp } from "./helpers/apps";
import { captureLogger } from "./helpers/capture-logger";

const secret = "dispatch-secret";
const body = '{"n":1}';

function app(handlers: WebhookHandlers) {
  const logger = captureLogger();
  const listener = plainApp.create(webhook({ secret, logger }, handlers));
  return { listener, logger };
}

function send(listener: ReturnType<typeof app>["listener"], event: string) {
  return request(listener).post("/")
    .set(signWebhook({ secret }, body, { event, id: "d-1" })).send(body);
}

describe("webhook() handlers", () => {
  describe('with a "*" handler', () => {
    it("takes events without their own handler", async () => {
      const seen: string[] = [];
      const { listener } = app({
        known: () => {
          seen.push("known");
        },
        "*": (_req, _res, _body, delivery) => {
          seen.push(`* ${delivery.event}`);
        },
      });

      await send(listener, "known");
      await send(listener, "other");

      expect(seen).toEqual(["known", "* other"]);
    });

    it("takes a delivery that names no event", async () => {
      let calls = 0;
      const { listener } = app({ "*": () => { calls += 1; } });
      const headers = signWebhook({ secret }, body);

      const res = await request(listener).post("/").set(headers).send(body);

      expect(res.status).toBe(200);
      expect(calls).toBe(1);
    });
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "answers 404 for the event %j, not an Object.prototype member",
    async (event) => {
      const { listener } = app({ known: () => undefined });

      const res = await send(listener, event);

      expect(res.status).toBe(404);
    },
  );

  it("passes the delivery's event, id and timestamp", async () => {
    const deliveries: WebhookDelivery[] = [];
    const options = {
      secret, timestampHeaderKey: "x-ts", clock: () => 1_700_000_000_000,
    };
    const listener = plainApp.create(webhook(options, {
      ping: (_req, _res, _body, delivery) => {
        deliveries.push(delivery);
      },
    }));
    const headers = signWebhook(options, body, {
      event: "ping", id: "d-9", timestamp: 1_700_000_000_000,
    });

    await request(listener).post("/").set(headers).send(body);

    expect(deliveries).toEqual([
      { event: "ping", id: "d-9", timestamp: 1_700_000_000_000 },
    ]);
  });

  it("answers 200 when the handler returns without answering", async () => {
    const { listener } = app({ ping: async () => undefined });

    const res = await send(listener, "ping");

    expect(res.status).toBe(200);
    expect(res.text).toBe("ok");
  });

  it("keeps the answer of a handler that answers itself", async () => {
    const { listener } = app({
      ping: (_req, res) => {
        res.statusCode = 202;
        res.setHeader("content-type", "application/json");
        res.end('{"queued":true}');
      },
    });

    const res = await send(listener, "ping");

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: true });
  });

  it("answers 200 when a status was set before the receiver ran", async () => {
    const middleware = webhook({ secret }, { ping: () => undefined });
    // as Koa does for every request it bridges to a Connect middleware
    const listener = plainApp.create((req, res) => {
      res.statusCode = 404;
      middleware(req, res);
    });

    const res = await send(listener, "ping");

    expect(res.status).toBe(200);
    expect(res.text).toBe("ok");
  });

  it("answers the status a handler set without ending the response", async () => {
    const { listener } = app({
      ping: async (_req, res) => {
        res.statusCode = 202;
        res.setHeader("x-queued", "yes");
      },
    });

    const res = await send(listener, "ping");

    expect(res.status).toBe(202);
    expect(res.headers["x-queued"]).toBe("yes");
    expect(res.text).toBe("");
  });

  it.each([
    ["throws", () => {
      throw new Error("db password=hunter2 rejected");
    }],
    ["rejects", () => Promise.reject(new Error("db password=hunter2 rejected"))],
    ["throws a non-error", () => {
      throw "db password=hunter2 rejected";
    }],
  ])("answers a generic 500 and logs when the handler %s", async (
    _label, handler,
  ) => {
    const { listener, logger } = app({ "charge.failed": handler });

    const res = await send(listener, "charge.failed");

    expect(res.status).toBe(500);
    expect(res.text).toBe("internal server error");
    expect(res.text).not.toContain("hunter2");
    expect(logger.lines).toEqual([expect.objectContaining({
      level: "error",
      msg: "webhook handler failed",
      obj: expect.objectContaining({ event: "charge.failed", deliveryId: "d-1" }),
    })]);
  });

  it("cuts a response the handler started before it failed", async () => {
    const { listener } = app({
      stream: async (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
        throw new Error("stream broke");
      },
    });

    await expect(send(listener, "stream")).rejects.toThrow();
  });
});

describe.each(expressFactories)("webhook() handlers in $name", (factory) => {
  it("answers the status set with res.status()", async () => {
    const listener = factory.create(webhook({ secret }, {
      ping: (_req, res) => {
        (res as Response).status(204);
      },
    }));

    const res = await request(listener).post(hookPath)
      .set(signWebhook({ secret }, body, { event: "ping" })).send(body);

    expect(res.status).toBe(204);
  });
});

describe("WebhookReceiver", () => {
  describe("handler()", () => {
    it("serves several handler tables from one receiver", async () => {
      const receiver = new WebhookReceiver({ secret, logger: captureLogger() });
      const seen: string[] = [];
      const first = plainApp.create(receiver.handler({
        ping: () => { seen.push("first"); },
      }));
      const second = plainApp.create(receiver.handler({
        ping: () => { seen.push("second"); },
      }));

      await send(first, "ping");
      await send(second, "ping");

      expect(seen).toEqual(["first", "second"]);
    });

    it("throws a TypeError for a handler that is not a function", () => {
      const receiver = new WebhookReceiver({ secret });

      expect(() => receiver.handler({ ping: 1 as never })).toThrow(TypeError);
    });
  });
});

describe("webhook() with a clock that throws", () => {
  it("answers 500, logs it, and keeps serving", async () => {
    const logger = captureLogger();
    let broken = true;
    const options = {
      secret,
      logger,
      timestampHeaderKey: "x-ts",
      clock: () => {
        if (broken) throw new Error("clock unavailable");
        return 1_700_000_000_000;
      },
    };
    const listener = plainApp.create(webhook(options, { ping: () => 1 }));
    const headers = signWebhook({ ...options, clock: () => 1_700_000_000_000 },
      body, { event: "ping" });

    const failed = await request(listener).post("/").set(headers).send(body);
    broken = false;
    const next = await request(listener).post("/").set(headers).send(body);

    expect([failed.status, next.status]).toEqual([500, 200]);
    expect(failed.text).toBe("internal server error");
    expect(logger.lines.map((line) => line.msg))
      .toEqual(["webhook receiver failed"]);
  });
});

describe("WebhookReceiver verify()", () => {
  const stripeSecret = "whsec_verify_method";
  const receiver = new WebhookReceiver({
    preset: "stripe", secret: stripeSecret,
  });
  const payload = '{"id":"evt_v","type":"charge.refunded"}';

  it("returns the delivery of a signed body, whatever the header case", () => {
    const headers = signWebhook({ preset: "stripe", secret: stripeSecret },
      payload);

    const result = receiver.verify(
      { "Stripe-Signature": headers["stripe-signature"] },
      Buffer.from(payload),
    );

    expect(result).toEqual({
      verified: true,
      delivery: {
        event: "charge.refunded", id: "evt_v", timestamp: expect.any(Number),
      },
    });
  });

  const zeros = "0".repeat(64);
  const nowSeconds = Math.floor(Date.now() / 1000);

  it.each([
    ["no signature", {}, "missing signature"],
    ["a forged signature",
      { "stripe-signature": `t=${nowSeconds},v1=${zeros}` },
      "signature mismatch"],
    ["a stale timestamp", { "stripe-signature": `t=1,v1=${zeros}` },
      "timestamp outside tolerance"],
  ])("returns the reason for %s, without throwing", (_label, headers, reason) => {
    expect(receiver.verify(headers, Buffer.from(payload)))
      .toEqual({ verified: false, reason });
  });
});
