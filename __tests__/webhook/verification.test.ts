import crypto from "node:crypto";
import request from "supertest";

import { signWebhook, silentLogger, webhook, type WebhookOptions } from
  "../../lib/index";
import { maxSignatures, parseSignatureHeader } from
  "../../lib/webhook/signature";
import { parseTimestamp } from "../../lib/webhook/timestamp";
import { plainApp } from "./helpers/apps";

const body = '{"type":"rotation.check"}';

function app(options: Partial<WebhookOptions>) {
  const calls: string[] = [];
  const listener = plainApp.create(webhook(
    { secret: "unused", logger: silentLogger, ...options },
    { "*": (_req, _res, raw) => { calls.push(raw.toString()); } },
  ));
  return { listener, calls };
}

describe("webhook() signature check", () => {
  describe("with secret: [new, old]", () => {
    it.each(["new-secret", "old-secret"])(
      "accepts a delivery signed with %s",
      async (signer) => {
        const { listener, calls } = app({ secret: ["new-secret", "old-secret"] });

        const res = await request(listener).post("/")
          .set(signWebhook({ secret: signer }, body)).send(body);

        expect(res.status).toBe(200);
        expect(calls).toEqual([body]);
      },
    );

    it("refuses a delivery signed with a retired secret", async () => {
      const { listener } = app({ secret: ["new-secret", "old-secret"] });

      const res = await request(listener).post("/")
        .set(signWebhook({ secret: "retired-secret" }, body)).send(body);

      expect(res.status).toBe(401);
    });

    it("accepts Buffer secrets", async () => {
      const key = crypto.randomBytes(32);
      const { listener } = app({ secret: [Buffer.from("x"), key] });

      const res = await request(listener).post("/")
        .set(signWebhook({ secret: key }, body)).send(body);

      expect(res.status).toBe(200);
    });
  });

  describe("with algorithm: sha512", () => {
    it("accepts a sha512 signature with or without its prefix", async () => {
      const { listener } = app({ secret: "s", algorithm: "sha512" });
      const digest = crypto.createHmac("sha512", "s").update(body)
        .digest("hex");

      const prefixed = await request(listener).post("/")
        .set("x-hub-signature-256", `sha512=${digest}`).send(body);
      const bare = await request(listener).post("/")
        .set("x-hub-signature-256", digest).send(body);

      expect([prefixed.status, bare.status]).toEqual([200, 200]);
    });

    it("refuses a sha256 signature", async () => {
      const { listener } = app({ secret: "s", algorithm: "sha512" });

      const res = await request(listener).post("/")
        .set(signWebhook({ secret: "s" }, body)).send(body);

      expect(res.status).toBe(401);
    });
  });

  describe("with signatureEncoding: base64", () => {
    it("accepts a base64 signature with or without padding", async () => {
      const { listener } = app({ secret: "s", signatureEncoding: "base64" });
      const digest = crypto.createHmac("sha256", "s").update(body)
        .digest("base64");

      const padded = await request(listener).post("/")
        .set("x-hub-signature-256", digest).send(body);
      const unpadded = await request(listener).post("/")
        .set("x-hub-signature-256", digest.replace(/=+$/, "")).send(body);

      expect([padded.status, unpadded.status]).toEqual([200, 200]);
    });

    it("refuses a non-canonical spelling of the right bytes", async () => {
      const { listener, calls } = app({
        secret: "s", signatureEncoding: "base64",
      });
      // a digest whose last data character has unused low bits set
      let payload = body;
      let digest = "";
      for (let i = 0; !/[A-Za-z0-9+/][AQgw]=$/.test(digest); i += 1) {
        payload = `${body}${i}`;
        digest = crypto.createHmac("sha256", "s").update(payload)
          .digest("base64");
      }
      const last = digest[42];
      const twin = String.fromCharCode(last.charCodeAt(0) + 1);
      const malleated = `${digest.slice(0, 42)}${twin}=`;
      expect(Buffer.from(malleated, "base64"))
        .toEqual(Buffer.from(digest, "base64"));

      // and one with a character outside the alphabet, which decoding skips
      const foreign = `${digest.slice(0, 20)}!${digest.slice(20, 43)}`;

      const statuses = [];
      for (const signature of [malleated, foreign, digest]) {
        const res = await request(listener).post("/")
          .set("x-hub-signature-256", signature).send(payload);
        statuses.push(res.status);
      }

      expect(statuses).toEqual([401, 401, 200]);
      expect(calls).toEqual([payload]);
    });
  });

  describe("with an absurd number of signatures", () => {
    // the valid signature comes first: a receiver that tried every entry
    // would accept the delivery, after as many comparisons as entries
    // note: 1,000 entries stay under Node's 16 KiB limit on headers
    it.each([
      ["stripe", "stripe-signature",
        (sig: string) => sig + ",v1=00".repeat(1000)],
      ["standard-webhooks", "webhook-signature",
        (sig: string) => `${sig} ` + "v1,AA== ".repeat(1000)],
    ] as const)("refuses a %s header with 401 before any HMAC", async (
      preset, header, build,
    ) => {
      const secret = preset === "stripe" ? "k" : "whsec_a2V5";
      const options = { preset, secret, clock: () => 1000 } as const;
      const { listener, calls } = app(options);
      const signed = signWebhook(options, body, { timestamp: 1 });
      const hmac = jest.spyOn(crypto, "createHmac");

      const res = await request(listener).post("/")
        .set({ ...signed, [header]: build(signed[header]) }).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
      expect(hmac).not.toHaveBeenCalled();
      hmac.mockRestore();
    });

    it("reads at most maxSignatures entries of a header", () => {
      const header = "v1,AA== ".repeat(maxSignatures);

      expect(parseSignatureHeader("standard", "", header))
        .toMatchObject({ signatures: expect.any(Array) });
      expect(parseSignatureHeader("standard", "", `${header} v1,AA==`))
        .toBe("too many signatures");
    });
  });

  describe("with a malformed header", () => {
    it.each([
      ["non-hex characters", "sha256=" + "zz".repeat(32)],
      ["an odd number of hex digits", "sha256=" + "a".repeat(63)],
      ["a sha1 prefix", "sha1=" + "a".repeat(64)],
      ["only the prefix", "sha256="],
      ["multibyte characters", "sha256=" + "é".repeat(64)],
    ])("answers 401 for %s", async (_label, signature) => {
      const { listener, calls } = app({ secret: "s" });

      const res = await request(listener).post("/")
        .set("x-hub-signature-256", signature).send(body);

      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });
  });
});

describe("webhook() timestamp check", () => {
  const time = Date.UTC(2026, 5, 1, 8, 0, 0);
  const options = {
    secret: "s", timestampHeaderKey: "X-Signed-At", clock: () => time,
  } as const;

  async function send(timestamp: number | string) {
    const { listener, calls } = app(options);
    const res = await request(listener).post("/")
      .set(signWebhook(options, body, { timestamp })).send(body);
    return { status: res.status, calls };
  }

  describe("with timestampHeaderKey", () => {
    it("signs <timestamp>.<body>", () => {
      const headers = signWebhook(options, body, { timestamp: "1700000000" });

      expect(headers["x-hub-signature-256"]).toBe("sha256=" + crypto
        .createHmac("sha256", "s").update(`1700000000.${body}`).digest("hex"));
      expect(headers["x-signed-at"]).toBe("1700000000");
    });

    it("accepts Unix seconds and RFC 3339", async () => {
      expect((await send(time)).status).toBe(200);
      expect((await send(new Date(time).toISOString())).status).toBe(200);
      expect((await send("2026-06-01T10:00:00+02:00")).status).toBe(200);
    });

    it("refuses a timestamp six minutes in the past or future with 401", async () => {
      expect((await send(time - 6 * 60_000)).status).toBe(401);
      expect((await send(time + 6 * 60_000)).status).toBe(401);
    });

    it("accepts a timestamp four minutes off in either direction", async () => {
      expect((await send(time - 4 * 60_000)).status).toBe(200);
      expect((await send(time + 4 * 60_000)).status).toBe(200);
    });

    it("refuses a missing timestamp with 401", async () => {
      const { listener } = app(options);
      const headers = signWebhook(options, body, { timestamp: time });
      delete headers["x-signed-at"];

      const res = await request(listener).post("/").set(headers).send(body);

      expect(res.status).toBe(401);
    });

    it("refuses an unsigned timestamp swapped in with 401", async () => {
      const { listener } = app(options);
      const headers = signWebhook(options, body, { timestamp: time - 1000 });
      headers["x-signed-at"] = String(Math.floor(time / 1000));

      const res = await request(listener).post("/").set(headers).send(body);

      expect(res.status).toBe(401);
    });
  });

  describe("parseTimestamp()", () => {
    it.each([
      ["1700000000", 1_700_000_000_000],
      ["2023-11-14T22:13:20Z", 1_700_000_000_000],
      ["2023-11-14t22:13:20.5z", 1_700_000_000_500],
      ["2023-11-15T00:13:20+02:00", 1_700_000_000_000],
    ])("reads %s", (raw, expected) => {
      expect(parseTimestamp(raw)).toBe(expected);
    });

    it.each([
      "", "-1", "1.5", "1e9", "0x10", " 1700000000", "2023-11-14",
      "2023-13-45T99:99:99Z", "2023-02-30T00:00:00Z",
      "2023-11-14T24:61:00Z", "Tue, 14 Nov 2023 22:13:20 GMT", "1".repeat(40),
    ])("refuses %j", (raw) => {
      expect(parseTimestamp(raw)).toBeUndefined();
    });
  });
});
