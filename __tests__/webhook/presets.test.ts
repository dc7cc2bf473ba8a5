import { createHmac } from "node:crypto";
import request from "supertest";
import Stripe from "stripe";
import { Webhook } from "standardwebhooks";

import {
  signWebhook,
  silentLogger,
  webhook,
  type WebhookDelivery,
  type WebhookOptions,
} from "../../lib/index";
import { plainApp } from "./helpers/apps";
import { octokitSign, octokitVerify } from "./helpers/octokit";

// Each preset against the provider's own signing and verifying code, and
// against the test vectors the providers publish.

interface Received {
  event: string | undefined;
  id: string | undefined;
  body: string;
}

function receiver(options: WebhookOptions) {
  const received: Received[] = [];
  const handler = (_req: unknown, _res: unknown, body: Buffer,
    delivery: WebhookDelivery) => {
    received.push({ event: delivery.event, id: delivery.id,
      body: body.toString("utf8") });
  };
  const app = plainApp.create(webhook(
    { logger: silentLogger, ...options },
    { "*": handler },
  ));
  return { app, received };
}

async function post(
  app: ReturnType<typeof receiver>["app"],
  headers: Record<string, string>,
  body: string,
) {
  return request(app).post("/").set(headers)
    .set("content-type", "application/json").send(body);
}

const stripe = new Stripe("sk_test_not_a_real_key");

describe("preset github", () => {
  const secret = "It's a Secret to Everybody";

  it("accepts GitHub's documented example delivery", async () => {
    const { app, received } = receiver({ preset: "github", secret });

    const res = await post(app, {
      "x-hub-signature-256":
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
      "x-github-event": "push",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    }, "Hello, World!");

    expect(res.status).toBe(200);
    expect(received).toEqual([{
      event: "push",
      id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      body: "Hello, World!",
    }]);
  });

  it("accepts what @octokit/webhooks-methods signs", async () => {
    const body = JSON.stringify({ action: "opened", number: 7 });
    const { app } = receiver({ preset: "github", secret });
    const signature = await octokitSign(secret, body);

    const res = await post(app, {
      "x-hub-signature-256": signature,
      "x-github-event": "pull_request",
    }, body);

    expect(res.status).toBe(200);
  });

  it("signs what @octokit/webhooks-methods verifies", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome." });

    const headers = signWebhook({ preset: "github", secret }, body, {
      event: "ping",
    });

    await expect(octokitVerify(secret, body, headers["x-hub-signature-256"]))
      .resolves.toBe(true);
    expect(headers["x-github-event"]).toBe("ping");
  });
});

describe("preset stripe", () => {
  const secret = "whsec_test_secret_used_as_given";
  const body = JSON.stringify({ id: "evt_123", type: "invoice.paid" });

  it("accepts a header from stripe's generateTestHeaderString", async () => {
    const { app, received } = receiver({ preset: "stripe", secret });
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret,
    });

    const res = await post(app, { "stripe-signature": header }, body);

    expect(res.status).toBe(200);
    expect(received[0]).toMatchObject({ event: "invoice.paid", id: "evt_123" });
  });

  it("signs what stripe's constructEvent accepts", () => {
    const headers = signWebhook({ preset: "stripe", secret }, body);

    const event = stripe.webhooks.constructEvent(
      body, headers["stripe-signature"], secret,
    );

    expect(event.id).toBe("evt_123");
  });

  it("accepts any of several v1 signatures and ignores v0", async () => {
    const { app } = receiver({ preset: "stripe", secret });
    const signed = signWebhook({ preset: "stripe", secret }, body);
    const [t, v1] = signed["stripe-signature"].split(",");
    const wrong = "v1=" + "0".repeat(64);

    const res = await post(app, {
      "stripe-signature": `${t},${wrong},v0=${"1".repeat(64)},${v1}`,
    }, body);

    expect(res.status).toBe(200);
  });

  it("refuses a header without t=", async () => {
    const { app } = receiver({ preset: "stripe", secret });
    const signed = signWebhook({ preset: "stripe", secret }, body);
    const v1 = signed["stripe-signature"].split(",")[1];

    const res = await post(app, { "stripe-signature": v1 }, body);

    expect(res.status).toBe(401);
  });
});

describe("preset slack", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const timestamp = "1531420618";
  const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&" +
    "team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&" +
    "user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&" +
    "text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F" +
    "T1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&" +
    "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const expected =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
  const clock = () => Number(timestamp) * 1000 + 30_000;

  it("accepts Slack's documented example request", async () => {
    const { app, received } = receiver({ preset: "slack", secret, clock });

    const res = await request(app).post("/").set({
      "x-slack-signature": expected,
      "x-slack-request-timestamp": timestamp,
      "content-type": "application/x-www-form-urlencoded",
    }).send(body);

    expect(res.status).toBe(200);
    expect(received[0].event).toBe("/webhook-collect");
  });

  it("signs Slack's documented example exactly", () => {
    const headers = signWebhook({ preset: "slack", secret, clock }, body, {
      timestamp,
    });

    expect(headers).toEqual({
      "x-slack-signature": expected,
      "x-slack-request-timestamp": timestamp,
    });
  });

  it.each([
    ["an event_callback by its event.type",
      '{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}',
      "app_mention", "Ev1"],
    ["a url_verification by its type",
      '{"type":"url_verification","challenge":"abc"}', "url_verification",
      undefined],
    ["an interactive payload by its type",
      "payload=" + encodeURIComponent('{"type":"block_actions"}'),
      "block_actions", undefined],
  ])("names %s", async (_label, payload, event, id) => {
    const { app, received } = receiver({ preset: "slack", secret, clock });
    const headers = signWebhook({ preset: "slack", secret, clock }, payload);

    const res = await request(app).post("/").set(headers).send(payload);

    expect(res.status).toBe(200);
    expect(received[0]).toMatchObject({ event, id });
  });
});

describe("preset shopify", () => {
  const secret = "shpss_shopify_app_secret";
  const body = JSON.stringify({ id: 820982911946154500, email: "a@b.c" });

  it("accepts a base64 HMAC of the body", async () => {
    const { app, received } = receiver({ preset: "shopify", secret });
    const hmac = createHmac("sha256", secret).update(body).digest("base64");

    const res = await post(app, {
      "x-shopify-hmac-sha256": hmac,
      "x-shopify-topic": "orders/create",
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }, body);

    expect(res.status).toBe(200);
    expect(received[0]).toMatchObject({
      event: "orders/create",
      id: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    });
  });

  it("signs the base64 HMAC of the body", () => {
    const headers = signWebhook({ preset: "shopify", secret }, body, {
      event: "orders/create",
    });

    expect(headers["x-shopify-hmac-sha256"]).toBe(
      createHmac("sha256", secret).update(body).digest("base64"),
    );
  });
});

describe("preset standard-webhooks", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const body = JSON.stringify({ type: "user.created", data: { id: 1 } });

  it("accepts the specification's test vector", async () => {
    const clock = () => 1614265330 * 1000;
    const { app, received } = receiver({
      preset: "standard-webhooks", secret, clock,
    });

    const res = await post(app, {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }, '{"test": 2432232314}');

    expect(res.status).toBe(200);
    expect(received[0].id).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
  });

  it("accepts what the standardwebhooks package signs", async () => {
    const { app, received } = receiver({ preset: "standard-webhooks", secret });
    const at = new Date();
    const signature = new Webhook(secret).sign("msg_1", at, body);

    const res = await post(app, {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": `v1a,${"x".repeat(86)} ${signature}`,
    }, body);

    expect(res.status).toBe(200);
    expect(received[0]).toMatchObject({ event: "user.created", id: "msg_1" });
  });

  it("accepts the svix-* header names", async () => {
    const { app } = receiver({ preset: "standard-webhooks", secret });
    const headers = signWebhook({ preset: "standard-webhooks", secret }, body);

    const res = await post(app, {
      "svix-id": headers["webhook-id"],
      "svix-timestamp": headers["webhook-timestamp"],
      "svix-signature": headers["webhook-signature"],
    }, body);

    expect(res.status).toBe(200);
  });

  it("signs what the standardwebhooks package verifies", () => {
    const headers = signWebhook({ preset: "standard-webhooks", secret }, body);

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("refuses a delivery without its webhook-id", async () => {
    const { app } = receiver({ preset: "standard-webhooks", secret });
    const headers = signWebhook({ preset: "standard-webhooks", secret }, body);
    delete headers["webhook-id"];

    const res = await post(app, headers, body);

    expect(res.status).toBe(401);
  });
});

describe("options beside a preset", () => {
  const secret = "override-secret";
  const body = '{"type":"a"}';

  it("replace the signature header", async () => {
    const options = {
      preset: "github", secret, signatureHeader: "X-Signature",
    } as const;
    const { app } = receiver(options);
    const headers = signWebhook(options, body, { event: "push" });

    const res = await post(app, headers, body);

    expect(Object.keys(headers)).toContain("x-signature");
    expect(res.status).toBe(200);
  });

  it("replace the event source of a body-reading preset", async () => {
    const options = { preset: "stripe", secret, eventHeader: "x-kind" } as const;
    const { app, received } = receiver(options);
    const headers = signWebhook(options, body, { event: "from.header" });

    const res = await post(app, headers, body);

    expect(res.status).toBe(200);
    expect(received[0].event).toBe("from.header");
  });

  it("replace the timestamp tolerance", async () => {
    const clock = () => 1_700_000_000_000;
    const options = {
      preset: "stripe", secret, clock, timestampTolerance: 1000,
    } as const;
    const { app } = receiver(options);
    const headers = signWebhook(options, body, {
      timestamp: 1_700_000_000_000 - 2000,
    });

    const res = await post(app, headers, body);

    expect(res.status).toBe(401);
  });
});
