import request from "supertest";

import {
  memoryReplayStore,
  signWebhook,
  webhook,
  WebhookReplayError,
  type ReplayStore,
  type WebhookHandler,
  type WebhookOptions,
} from "../../lib/index";
import { startServer } from "../helpers/server";
import { plainApp } from "./helpers/apps";
import { captureLogger } from "./helpers/capture-logger";
import { describeReplayStore } from "./helpers/replay-store-contract";

const secret = "replay-secret";
const body = '{"order":42}';

function signed(id: string | undefined, event = "order.paid") {
  const headers = signWebhook({ secret }, body, { event, id });
  if (id === undefined) delete headers["x-webhook-id"];
  return headers;
}

function app(handler: WebhookHandler, options: Partial<WebhookOptions> = {}) {
  const logger = captureLogger();
  const listener = plainApp.create(webhook(
    { secret, logger, replayStore: memoryReplayStore(), ...options },
    { "order.paid": handler },
  ));
  return { listener, logger };
}

describeReplayStore("memoryReplayStore()", () => memoryReplayStore());

describe("memoryReplayStore()", () => {
  it("keeps an id released with another claim's token", async () => {
    let time = 0;
    const store = memoryReplayStore({ ttl: 100, clock: () => time });
    const stale = await store.claim("a") as string;
    time = 150;
    const current = await store.claim("a");

    await store.release("a", stale);

    expect(current).not.toBeNull();
    expect(await store.claim("a")).toBeNull();
  });

  describe("with ttl", () => {
    it("forgets a claim once its ttl has passed", async () => {
      let time = 0;
      const store = memoryReplayStore({ ttl: 1000, clock: () => time });
      await store.claim("a");

      time = 999;
      const during = await store.claim("a");
      time = 1000;
      const after = await store.claim("a");

      expect(during).toBeNull();
      expect(after).not.toBeNull();
    });
  });

  describe("with maxEntries", () => {
    it("forgets the oldest claim when full", async () => {
      const store = memoryReplayStore({ maxEntries: 2 });
      await store.claim("a");
      await store.claim("b");
      await store.claim("c");

      expect(await store.claim("c")).toBeNull();
      expect(await store.claim("a")).not.toBeNull();
    });
  });

  it.each([
    [{ ttl: 0 }, "memoryReplayStore: option ttl must be"],
    [{ maxEntries: 1.5 }, "memoryReplayStore: option maxEntries must be"],
    [{ clock: 5 }, "memoryReplayStore: option clock must be a function"],
  ])("throws a TypeError for %j", (options, message) => {
    expect(() => memoryReplayStore(options as object)).toThrow(TypeError);
    expect(() => memoryReplayStore(options as object)).toThrow(message);
  });
});

describe("webhook() with replayStore", () => {
  it("lets concurrent duplicates reach the handler exactly once", async () => {
    let calls = 0;
    const { listener } = app(async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const server = await startServer(listener);
    const headers = signed("evt_dup");

    try {
      const statuses = await Promise.all(Array.from({ length: 50 }, () =>
        request(server.url).post("/").set(headers).send(body)
          .then((res) => res.status)));

      expect(calls).toBe(1);
      expect(statuses.sort()).toEqual([200, ...Array(49).fill(409)]);
    } finally {
      await server.close();
    }
  });

  it("accepts the retry of a delivery whose handler failed", async () => {
    let attempts = 0;
    const { listener } = app(() => {
      attempts += 1;
      if (attempts === 1) throw new Error("database unavailable");
    });
    const headers = signed("evt_retry");

    const first = await request(listener).post("/").set(headers).send(body);
    const retry = await request(listener).post("/").set(headers).send(body);
    const replay = await request(listener).post("/").set(headers).send(body);

    expect([first.status, retry.status, replay.status])
      .toEqual([500, 200, 409]);
    expect(attempts).toBe(2);
  });

  it("accepts the retry of a delivery its handler answered 503", async () => {
    let attempts = 0;
    const { listener } = app((_req, res) => {
      attempts += 1;
      res.statusCode = attempts === 1 ? 503 : 202;
      res.end();
    });
    const headers = signed("evt_busy");

    const first = await request(listener).post("/").set(headers).send(body);
    const retry = await request(listener).post("/").set(headers).send(body);

    expect([first.status, retry.status]).toEqual([503, 202]);
  });

  it("accepts the retry of a delivery its handler set to 503", async () => {
    let attempts = 0;
    const { listener } = app((_req, res) => {
      attempts += 1;
      // the status alone, the receiver ending the response
      if (attempts === 1) res.statusCode = 503;
    });
    const headers = signed("evt_unavailable");

    const first = await request(listener).post("/").set(headers).send(body);
    const retry = await request(listener).post("/").set(headers).send(body);
    const replay = await request(listener).post("/").set(headers).send(body);

    expect([first.status, retry.status, replay.status])
      .toEqual([503, 200, 409]);
    expect(attempts).toBe(2);
  });

  it("keeps the claim of a delivery answered 200 before its handler threw", async () => {
    const { listener } = app((_req, res) => {
      res.end("done");
      throw new Error("audit log unavailable");
    });
    const headers = signed("evt_answered");

    const first = await request(listener).post("/").set(headers).send(body);
    const replay = await request(listener).post("/").set(headers).send(body);

    expect([first.status, replay.status]).toEqual([200, 409]);
  });

  it("keys a delivery without an id by its signature", async () => {
    let calls = 0;
    const { listener, logger } = app(() => {
      calls += 1;
    });
    const headers = signed(undefined);

    const first = await request(listener).post("/").set(headers).send(body);
    const second = await request(listener).post("/").set(headers).send(body);

    expect([first.status, second.status]).toEqual([200, 409]);
    expect(calls).toBe(1);
    const signature = headers["x-hub-signature-256"].slice(7);
    expect(logger.text()).not.toContain(signature);
  });

  it("does not claim a delivery refused with 404", async () => {
    const store = memoryReplayStore();
    const { listener } = app(() => undefined, { replayStore: store });

    const res = await request(listener).post("/")
      .set(signed("evt_x", "other.event")).send(body);

    expect(res.status).toBe(404);
    expect(await store.claim("evt_x")).not.toBeNull();
  });

  it("answers 500 and logs when the store rejects a claim", async () => {
    const store: ReplayStore = {
      claim: () => Promise.reject(new Error("connection refused")),
      release: () => Promise.resolve(),
    };
    let calls = 0;
    const { listener, logger } = app(() => {
      calls += 1;
    }, { replayStore: store });

    const res = await request(listener).post("/").set(signed("evt_s"))
      .send(body);

    expect(res.status).toBe(500);
    expect(res.text).toBe("internal server error");
    expect(calls).toBe(0);
    expect(logger.lines).toEqual([expect.objectContaining({
      level: "error",
      msg: "webhook replay store failed",
      obj: expect.objectContaining({ deliveryId: "evt_s" }),
    })]);
  });

  it.each([false, true, undefined, 1])(
    "answers 500 without calling the handler when a claim resolves %p",
    async (result) => {
      const store = {
        claim: () => Promise.resolve(result),
        release: () => Promise.resolve(),
      } as unknown as ReplayStore;
      let calls = 0;
      const { listener, logger } = app(() => {
        calls += 1;
      }, { replayStore: store });

      const res = await request(listener).post("/").set(signed("evt_b"))
        .send(body);

      expect(res.status).toBe(500);
      expect(calls).toBe(0);
      expect(logger.lines.map((line) => line.msg))
        .toEqual(["webhook replay store failed"]);
    },
  );

  it("still answers 500 when releasing a failed delivery fails", async () => {
    const store: ReplayStore = {
      claim: () => Promise.resolve("token"),
      release: () => Promise.reject(new Error("gone")),
    };
    const { listener, logger } = app(() => {
      throw new Error("boom");
    }, { replayStore: store });

    const res = await request(listener).post("/").set(signed("evt_r"))
      .send(body);

    expect(res.status).toBe(500);
    expect(logger.lines.map((line) => line.msg)).toEqual([
      "webhook replay claim not released",
      "webhook handler failed",
    ]);
  });
});

describe("webhook() with replayCheck", () => {
  it("answers 409 when the check throws WebhookReplayError", async () => {
    let calls = 0;
    const { listener } = app(() => {
      calls += 1;
    }, {
      replayStore: undefined,
      replayCheck: (req) => {
        throw new WebhookReplayError(String(req.headers["x-webhook-id"]));
      },
    });

    const res = await request(listener).post("/").set(signed("evt_c"))
      .send(body);

    expect(res.status).toBe(409);
    expect(calls).toBe(0);
  });

  it("answers 500 when the check fails otherwise", async () => {
    const { listener, logger } = app(() => undefined, {
      replayStore: undefined,
      replayCheck: () => Promise.reject(new Error("lookup failed")),
    });

    const res = await request(listener).post("/").set(signed("evt_c"))
      .send(body);

    expect(res.status).toBe(500);
    expect(logger.lines[0].msg).toBe("webhook replay check failed");
  });

  it("passes the raw body and lets the delivery through", async () => {
    const seen: string[] = [];
    const { listener } = app(() => undefined, {
      replayStore: undefined,
      replayCheck: (_req, raw) => {
        seen.push(raw.toString());
      },
    });

    const res = await request(listener).post("/").set(signed("evt_c"))
      .send(body);

    expect(res.status).toBe(200);
    expect(seen).toEqual([body]);
  });
});
