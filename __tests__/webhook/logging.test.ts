import { Writable } from "node:stream";
import pino from "pino";
import request from "supertest";

import {
  memoryReplayStore,
  signWebhook,
  webhook,
  type Logger,
  type WebhookOptions,
} from "../../lib/index";
import { plainApp } from "./helpers/apps";
import { captureLogger } from "./helpers/capture-logger";

const secret = "log-secret-5f1e0c2a9b";
const body = '{"type":"x"}';

/** One delivery of every outcome the receiver logs. */
async function sendEveryOutcome(logger: Logger) {
  const options: WebhookOptions = {
    secret, logger, replayStore: memoryReplayStore(), maxBodyBytes: 64,
    timestampHeaderKey: "x-ts",
  };
  const listener = plainApp.create(webhook(options, {
    ok: () => undefined,
    fail: () => {
      throw new Error("handler failed");
    },
  }));
  const post = (headers: Record<string, string>, payload = body) =>
    request(listener).post("/").set(headers).send(payload);

  const good = signWebhook(options, body, { event: "ok", id: "d1" });
  const forged = { ...good, "x-hub-signature-256": `sha256=${"ab".repeat(32)}` };
  const big = "x".repeat(100);
  const signatures = [good["x-hub-signature-256"]];

  await post(good);
  await post(good);
  await post(forged);
  await post(signWebhook(options, body, { event: "nope", id: "d2" }));
  await post(signWebhook(options, body, { event: "fail", id: "d3" }));
  await post(signWebhook(options, big, { event: "ok" }), big);
  return signatures;
}

describe("webhook() logging", () => {
  it("logs each refusal and failure once, with a constant message", async () => {
    const logger = captureLogger();

    await sendEveryOutcome(logger);

    expect(logger.lines.map((line) => [line.level, line.msg])).toEqual([
      ["warn", "webhook delivery replayed"],
      ["warn", "webhook signature refused"],
      ["warn", "webhook event has no handler"],
      ["error", "webhook handler failed"],
      ["warn", "webhook body too large"],
    ]);
    expect(logger.lines[1].obj).toEqual({ reason: "signature mismatch" });
  });

  it("never writes a secret or a signature value", async () => {
    const logger = captureLogger();

    const signatures = await sendEveryOutcome(logger);

    const text = logger.text();
    expect(logger.lines).toHaveLength(5);
    expect(text).not.toContain(secret);
    for (const signature of signatures) {
      expect(text).not.toContain(signature.slice(7));
    }
    expect(text).not.toContain("ab".repeat(32));
  });

  it("works with pino", async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: "debug" }, destination);

    await sendEveryOutcome(logger);

    const failed = lines.find((line) => line.msg === "webhook handler failed");
    expect(failed).toMatchObject({
      level: 50,
      event: "fail",
      deliveryId: "d3",
      err: { message: "handler failed" },
    });
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it("writes through defaultLogger to stderr when no logger is given", async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(
      (chunk: string | Uint8Array) => {
        writes.push(String(chunk));
        return true;
      },
    );
    try {
      const listener = plainApp.create(webhook({ secret }, { ok: () => 1 }));

      await request(listener).post("/").set("x-hub-signature-256", "nope")
        .send(body);
    } finally {
      spy.mockRestore();
    }

    expect(writes.join("")).toContain(
      'integration-kit warn: webhook signature refused reason="malformed signature"',
    );
  });
});

describe("webhook() with a logger that throws", () => {
  it("answers as it would with a working logger", async () => {
    const broken: Logger = {
      warn: () => {
        throw new Error("log destination closed");
      },
      error: () => {
        throw new Error("log destination closed");
      },
    };
    const options = { secret, logger: broken };
    const listener = plainApp.create(webhook(options, {
      ok: () => undefined,
      fail: () => {
        throw new Error("handler failed");
      },
    }));
    const post = (headers: Record<string, string>) =>
      request(listener).post("/").set(headers).send(body);

    const forged = await post({ "x-hub-signature-256": "sha256=00" });
    const failed = await post(signWebhook(options, body, { event: "fail" }));
    const ok = await post(signWebhook(options, body, { event: "ok" }));

    expect([forged.status, failed.status, ok.status]).toEqual([401, 500, 200]);
  });

  it("leaves no unhandled rejection when an async logger rejects", async () => {
    const rejecting = {
      warn: () => Promise.reject(new Error("log transport down")),
      error: () => Promise.reject(new Error("log transport down")),
    } as unknown as Logger;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const options = { secret, logger: rejecting };
    const listener = plainApp.create(webhook(options, {
      fail: () => {
        throw new Error("handler failed");
      },
    }));

    try {
      const forged = await request(listener).post("/")
        .set({ "x-hub-signature-256": "sha256=00" }).send(body);
      const failed = await request(listener).post("/")
        .set(signWebhook(options, body, { event: "fail" })).send(body);
      // unhandled rejections are reported after the microtask queue drains
      await new Promise((resolve) => setImmediate(resolve));

      expect([forged.status, failed.status]).toEqual([401, 500]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
