import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import request from "supertest";

import {
  memoryReplayStore,
  signWebhook,
  silentLogger,
  webhook,
  type WebhookOptions,
} from "../../lib/index";
import { startServer, type TestServer } from "../helpers/server";
import { plainApp } from "./helpers/apps";

// Random headers and bodies against a live receiver. An oracle written
// apart from the library (createHmac over the bytes, straight from the
// scheme's definition) tells whether a delivery the handler received was
// really signed.

const secret = "property-secret";
// the Standard Webhooks form of the same secret: whsec_ + base64 of the key
const whsecSecret = `whsec_${Buffer.from(secret).toString("base64")}`;
const time = 1_700_000_000_000;
const bang = 0x21;

function equalHex(candidate: string, digest: Buffer): boolean {
  const bytes = Buffer.from(candidate, "hex");
  return candidate.length === 64 && bytes.length === 32 &&
    timingSafeEqual(bytes, digest);
}

function withinTolerance(unixSeconds: string): boolean {
  return /^\d+$/.test(unixSeconds) &&
    Math.abs(Number(unixSeconds) * 1000 - time) <= 300_000;
}

function bodyOnlyHex(headers: IncomingHttpHeaders, body: Buffer): boolean {
  const value = String(headers["x-hub-signature-256"] ?? "");
  const digest = createHmac("sha256", secret).update(body).digest();
  return equalHex(value.replace(/^sha256=/, ""), digest);
}

const oracles = {
  default: bodyOnlyHex,
  github: bodyOnlyHex,
  stripe(headers: IncomingHttpHeaders, body: Buffer): boolean {
    const parts = String(headers["stripe-signature"] ?? "").split(",");
    const t = parts.find((part) => part.startsWith("t="))?.slice(2) ?? "";
    if (!withinTolerance(t)) return false;
    const digest = createHmac("sha256", secret).update(`${t}.`)
      .update(body).digest();
    return parts.some((part) =>
      part.startsWith("v1=") && equalHex(part.slice(3), digest));
  },
  slack(headers: IncomingHttpHeaders, body: Buffer): boolean {
    const t = String(headers["x-slack-request-timestamp"] ?? "");
    if (!withinTolerance(t)) return false;
    const digest = createHmac("sha256", secret).update(`v0:${t}:`)
      .update(body).digest();
    const value = String(headers["x-slack-signature"] ?? "");
    return value.startsWith("v0=") && equalHex(value.slice(3), digest);
  },
  shopify(headers: IncomingHttpHeaders, body: Buffer): boolean {
    const value = String(headers["x-shopify-hmac-sha256"] ?? "");
    const digest = createHmac("sha256", secret).update(body).digest("base64");
    return value === digest || value === digest.replace(/=+$/, "");
  },
  "standard-webhooks"(headers: IncomingHttpHeaders, body: Buffer): boolean {
    const id = String(headers["webhook-id"] ?? "");
    const t = String(headers["webhook-timestamp"] ?? "");
    if (id === "" || !withinTolerance(t)) return false;
    const digest = createHmac("sha256", secret).update(`${id}.${t}.`)
      .update(body).digest("base64");
    const entries = String(headers["webhook-signature"] ?? "").split(" ");
    // the canonical base64, padded or not: nothing else spells the digest
    return entries.length <= 8 && entries.some((entry) =>
      entry === `v1,${digest}` || entry === `v1,${digest.replace(/=+$/, "")}`);
  },
} as const;

const signatureHeaders: Record<keyof typeof oracles, string> = {
  default: "x-hub-signature-256",
  github: "x-hub-signature-256",
  stripe: "stripe-signature",
  slack: "x-slack-signature",
  shopify: "x-shopify-hmac-sha256",
  "standard-webhooks": "webhook-signature",
};

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

function flipOneCharacter(value: string, at: number): string {
  const index = at % value.length;
  const replaced = value[index] === "0" ? "1" : "0";
  return value.slice(0, index) + replaced + value.slice(index + 1);
}

const base64Alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Toggles the lowest bit of the last digit of `value` (before any `=`
 * padding). In a base64 digest that bit is unused: the same bytes, spelt
 * differently, which only the canonical spelling may pass. In hex it
 * changes the digest.
 */
function respellLastDigit(value: string): string {
  const end = value.replace(/=+$/, "").length - 1;
  const digit = base64Alphabet.indexOf(value[end]);
  if (digit === -1) return value;
  const respelt = base64Alphabet[digit ^ 1];
  return value.slice(0, end) + respelt + value.slice(end + 1);
}

describe.each(Object.keys(oracles) as (keyof typeof oracles)[])(
  "webhook() under random input, %s scheme",
  (scheme) => {
    const options: WebhookOptions = {
      secret: scheme === "standard-webhooks" ? whsecSecret : secret,
      preset: scheme === "default" ? undefined : scheme,
      clock: () => time,
      maxBodyBytes: 256,
      logger: silentLogger,
      replayStore: memoryReplayStore(),
    };
    const signatureHeader = signatureHeaders[scheme];
    let server: TestServer;
    const violations: string[] = [];
    let handlerErrors = 0;

    beforeAll(async () => {
      const handle = (
        req: { headers: IncomingHttpHeaders },
        _res: unknown,
        body: Buffer,
      ) => {
        if (!oracles[scheme](req.headers, body)) {
          violations.push("handler called without a valid signature");
        }
        if (body[0] === bang) {
          handlerErrors += 1;
          throw new Error("handler refuses bodies starting with !");
        }
      };
      server = await startServer(plainApp.create(
        webhook(options, { "*": handle }),
      ));
    });

    afterAll(() => server.close());

    const delivery = fc.record({
      body: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      signature: fc.oneof(
        fc.constant("valid"),
        fc.constant("flipped"),
        fc.constant("respelt"),
        printable,
      ),
      flipAt: fc.nat(),
      timestampShift: fc.constantFrom(0, 0, 60_000, -400_000, 400_000),
      extraHeaders: fc.dictionary(
        fc.constantFrom("x-event-type", "x-webhook-id", "content-type",
          "content-encoding", "x-hub-signature-256", "stripe-signature",
          "webhook-id", "webhook-timestamp", "svix-signature",
          "x-slack-signature", "x-slack-request-timestamp",
          "x-shopify-hmac-sha256", "x-shopify-topic"),
        printable,
        { maxKeys: 3 },
      ),
    });

    it("never answers 500 without a handler error, nor calls it unsigned", async () => {
      await fc.assert(fc.asyncProperty(delivery, async (input) => {
        const signed = signWebhook(options, input.body, {
          timestamp: time + input.timestampShift,
        });
        const headers: Record<string, string> = { ...input.extraHeaders };
        if (input.signature === "valid") {
          Object.assign(headers, signed);
        } else if (input.signature === "flipped") {
          Object.assign(headers, signed);
          headers[signatureHeader] = flipOneCharacter(
            signed[signatureHeader], input.flipAt,
          );
        } else if (input.signature === "respelt") {
          Object.assign(headers, signed);
          headers[signatureHeader] = respellLastDigit(signed[signatureHeader]);
        } else {
          headers[signatureHeader] = input.signature;
        }
        const errorsBefore = handlerErrors;
        // per run, so that a failure shrinks to the input that caused it
        violations.length = 0;

        const res = await request(server.url).post("/").set(headers)
          .send(input.body);

        expect([200, 401, 404, 409, 413, 500]).toContain(res.status);
        if (res.status === 500) expect(handlerErrors).toBe(errorsBefore + 1);
        expect(violations).toEqual([]);
      }), { numRuns: 150 });
    });

    it("stays up and accepts a valid delivery afterwards", async () => {
      const payload = Buffer.from('{"after":"property run"}');

      const res = await request(server.url).post("/")
        .set(signWebhook(options, payload, { timestamp: time })).send(payload);

      expect(res.status).toBe(200);
    });
  },
);
