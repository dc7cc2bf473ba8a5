import { payloadString, type Payload, type PayloadField } from "./payload";

/** The providers whose signing scheme the receiver knows by name. */
export type WebhookPresetName =
  | "github"
  | "stripe"
  | "slack"
  | "shopify"
  | "standard-webhooks";

/**
 * How the signature header is laid out:
 * - `single`: one signature, after an optional prefix (`sha256=<hex>`);
 * - `stripe`: `t=<unix>,v1=<hex>[,v1=<hex>...]`;
 * - `standard`: a space-separated list of `v1,<base64>`.
 */
export type SignatureFormat = "single" | "stripe" | "standard";

/**
 * What the HMAC covers, `<body>` being the raw bytes:
 * - `body`: the body alone;
 * - `timestamp.body`: `<timestamp>.<body>` (the default scheme with a
 *   timestamp header, and Stripe with the `t=` of its signature header);
 * - `slack`: `v0:<timestamp>:<body>`;
 * - `id.timestamp.body`: `<webhook-id>.<webhook-timestamp>.<body>`.
 */
export type SignedLayout =
  | "body"
  | "timestamp.body"
  | "slack"
  | "id.timestamp.body";

/**
 * A provider's scheme. Header names are lowercase, as Node presents them;
 * where a provider has used two sets of names (Standard Webhooks and Svix),
 * the first header present wins.
 */
export interface PresetDefinition {
  signatureHeaders: readonly string[];
  format: SignatureFormat;
  /** Stripped from a `single` signature when present. */
  signaturePrefix: string;
  encoding: "hex" | "base64";
  layout: SignedLayout;
  timestampHeaders: readonly string[];
  eventHeaders: readonly string[];
  eventField: PayloadField | undefined;
  idHeaders: readonly string[];
  idField: PayloadField | undefined;
  /** The body may be `application/x-www-form-urlencoded` (Slack). */
  acceptsForm: boolean;
  /** `whsec_<base64 key>`: the key is the decoded base64 after the prefix. */
  secretFormat: "raw" | "whsec-base64";
}

function readType(payload: Payload): string | undefined {
  return payloadString(payload, "type");
}

// note: Slack sends three kinds of bodies to one app. Events API callbacks
// are JSON whose `event.type` names the event (the outer `type` is
// `event_callback`, or `url_verification` for the handshake); slash
// commands are form bodies naming their `command`; interactive components
// are form bodies whose `payload` field is JSON with a `type`.
function readSlackEvent(payload: Payload): string | undefined {
  const command = payloadString(payload, "command");
  if (command !== undefined) return command;

  const form = payloadString(payload, "payload");
  if (form !== undefined) {
    try {
      return readType(JSON.parse(form) as Payload);
    } catch {
      return undefined;
    }
  }

  const event = payload.event;
  if (payload.type === "event_callback" && typeof event === "object" &&
    event !== null) {
    return readType(event as Payload);
  }
  return readType(payload);
}

const none: readonly string[] = [];

const base = {
  signaturePrefix: "",
  timestampHeaders: none,
  eventHeaders: none,
  eventField: undefined,
  idHeaders: none,
  idField: undefined,
  acceptsForm: false,
  secretFormat: "raw",
} as const;

/** Every preset, by name, as the README's presets table describes them. */
export const presets: Readonly<Record<WebhookPresetName, PresetDefinition>> = {
  github: {
    ...base,
    signatureHeaders: ["x-hub-signature-256"],
    format: "single",
    signaturePrefix: "sha256=",
    encoding: "hex",
    layout: "body",
    eventHeaders: ["x-github-event"],
    idHeaders: ["x-github-delivery"],
  },
  stripe: {
    ...base,
    signatureHeaders: ["stripe-signature"],
    format: "stripe",
    encoding: "hex",
    layout: "timestamp.body",
    eventField: readType,
    idField: (payload) => payloadString(payload, "id"),
  },
  slack: {
    ...base,
    signatureHeaders: ["x-slack-signature"],
    format: "single",
    signaturePrefix: "v0=",
    encoding: "hex",
    layout: "slack",
    timestampHeaders: ["x-slack-request-timestamp"],
    eventField: readSlackEvent,
    idField: (payload) => payloadString(payload, "event_id"),
    acceptsForm: true,
  },
  shopify: {
    ...base,
    signatureHeaders: ["x-shopify-hmac-sha256"],
    format: "single",
    encoding: "base64",
    layout: "body",
    eventHeaders: ["x-shopify-topic"],
    idHeaders: ["x-shopify-webhook-id"],
  },
  "standard-webhooks": {
    ...base,
    signatureHeaders: ["webhook-signature", "svix-signature"],
    format: "standard",
    encoding: "base64",
    layout: "id.timestamp.body",
    timestampHeaders: ["webhook-timestamp", "svix-timestamp"],
    eventField: readType,
    idHeaders: ["webhook-id", "svix-id"],
    secretFormat: "whsec-base64",
  },
};

/** Whether `name` is a known preset (an own key, not `toString`). */
export function isPresetName(name: unknown): name is WebhookPresetName {
  return typeof name === "string" && Object.hasOwn(presets, name);
}
