import { readFileSync } from "node:fs";
import path from "node:path";

import {
  defaultLogger,
  memoryReplayStoreDefaults,
  webhook,
  webhookDefaults,
  WebhookReceiver,
  type WebhookOptions,
} from "../../lib/index";

const handlers = { ping: () => undefined };

function create(options: Record<string, unknown>) {
  return () => webhook(options as unknown as WebhookOptions, handlers);
}

describe("webhook() options", () => {
  it.each([
    [{}, "webhook: option secret must be a non-empty string or Buffer"],
    [{ secret: "" }, "webhook: option secret must be"],
    [{ secret: Buffer.alloc(0) }, "webhook: option secret must be"],
    [{ secret: [] }, "webhook: option secret must be a non-empty array"],
    [{ secret: ["ok", ""] }, "webhook: option secret must be"],
    [{ secret: 42 }, "webhook: option secret must be"],
    [{ secret: "s", algorithm: "sha1" },
      'webhook: option algorithm must be "sha256" or "sha512"'],
    [{ secret: "s", preset: "paypal" }, "webhook: option preset must be one of"],
    [{ secret: "s", preset: "toString" }, "webhook: option preset must be one of"],
    [{ secret: "s", maxBodyBytes: -1 }, "webhook: option maxBodyBytes must be"],
    [{ secret: "s", maxBodyBytes: 1.5 }, "webhook: option maxBodyBytes must be"],
    [{ secret: "s", timestampTolerance: -1 },
      "webhook: option timestampTolerance must be"],
    [{ secret: "s", timestampTolerance: Number.NaN },
      "webhook: option timestampTolerance must be"],
    [{ secret: "s", clock: "now" }, "webhook: option clock must be a function"],
    [{ secret: "s", signatureHeader: "bad header" },
      "webhook: option signatureHeader must be a header name"],
    [{ secret: "s", signatureEncoding: "utf8" },
      "webhook: option signatureEncoding must be"],
    [{ secret: "s", replayStore: {} }, "webhook: option replayStore must be"],
    [{ secret: "s", replayCheck: true }, "webhook: option replayCheck must be"],
    [{ secret: "s", logger: console.log }, "webhook: option logger must be"],
    [{ secret: "s", secrets: "typo" }, "webhook: unknown option secrets"],
    [{ preset: "standard-webhooks", secret: "whsec_!!!" },
      "webhook: option secret must be whsec_ followed by a base64 key"],
  ])("throws a TypeError at creation for %j", (options, message) => {
    expect(create(options)).toThrow(TypeError);
    expect(create(options)).toThrow(message);
  });

  it("throws a TypeError at creation for a secret from an unset variable", () => {
    const secret = process.env.INTEGRATION_KIT_UNSET_SECRET_FOR_TEST;

    expect(() => webhook({ secret }, handlers)).toThrow(TypeError);
  });

  it("never puts the secret in the message", () => {
    expect(create({ secret: "s3cr3t-value", algorithm: "md5" }))
      .toThrow(/^(?!.*s3cr3t-value)/);
  });
});

describe("webhook() handlers argument", () => {
  it.each([
    [undefined, "webhook: option handlers must be an object"],
    [{}, "webhook: option handlers must be an object"],
    [{ ping: "not a function" }, 'webhook: option handlers["ping"] must be a function'],
  ])("throws a TypeError at creation for %j", (table, message) => {
    const build = () => webhook({ secret: "s" }, table as never);

    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });

  it("validates options in the WebhookReceiver constructor", () => {
    expect(() => new WebhookReceiver({ secret: "" })).toThrow(TypeError);
  });
});

describe("documented defaults", () => {
  const root = path.join(__dirname, "..", "..");

  // every `@default` in an options interface, by option name
  function documentedDefaults(file: string): Map<string, string> {
    const source = readFileSync(path.join(root, file), "utf8");
    const found = new Map<string, string>();
    const pattern = /@default ([^\n]+)\n\s*\*\/\n\s*(\w+)\??:/g;
    for (const match of source.matchAll(pattern)) {
      found.set(match[2], match[1].trim());
    }
    return found;
  }

  function shown(value: unknown): string {
    if (value === Date.now) return "Date.now";
    if (value === defaultLogger) return "defaultLogger";
    if (typeof value === "string") return JSON.stringify(value);
    return String(value).replace(/\B(?=(\d{3})+$)/g, "_");
  }

  it.each([
    ["lib/webhook/options.ts", webhookDefaults],
    ["lib/webhook/memory-replay-store.ts", memoryReplayStoreDefaults],
  ] as const)("match the code in %s", (file, defaults) => {
    const documented = documentedDefaults(file);

    for (const [name, value] of Object.entries(defaults)) {
      expect([name, documented.get(name)?.split(" (")[0]])
        .toEqual([name, shown(value)]);
    }
  });
});
