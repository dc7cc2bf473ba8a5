import type { IncomingMessage } from "node:http";
import type { KeyObject } from "node:crypto";

import { defaultLogger, guardLogger, type Logger } from "../logger";
import {
  checkFunction,
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";
import {
  isPresetName,
  presets,
  type PresetDefinition,
  type WebhookPresetName,
} from "./presets";
import type { ReplayStore } from "./replay-store";
import { normalizeKeys } from "./secret";

const scope = "webhook";

/** A signing secret: a string (used as UTF-8 bytes) or the key bytes. */
export type WebhookSecret = string | Buffer;

/** The HMAC digests the receiver verifies. */
export type WebhookAlgorithm = "sha256" | "sha512";

/** Options of {@link webhook}, {@link WebhookReceiver} and signWebhook. */
export interface WebhookOptions {
  /**
   * The signing secret, or several (`[current, previous]`) while a secret
   * is being rotated: a delivery signed with any of them is accepted. With
   * the `standard-webhooks` preset, the `whsec_<base64>` form is decoded;
   * every other scheme uses the string as given (Stripe's `whsec_`
   * included).
   */
  secret: WebhookSecret | readonly WebhookSecret[] | undefined;

  /**
   * A provider whose header names, signed string, encoding, timestamp rule,
   * event name and delivery id to use. Other options given beside it
   * override the preset's values.
   * @default undefined (the default scheme described by the other options)
   */
  preset?: WebhookPresetName;

  /**
   * The HMAC digest.
   * @default "sha256"
   */
  algorithm?: WebhookAlgorithm;

  /**
   * The header holding the signature. With the default scheme, an
   * `<algorithm>=` prefix (`sha256=...`) is tolerated.
   * @default "x-hub-signature-256"
   */
  signatureHeader?: string;

  /**
   * How the signature is written in its header.
   * @default "hex"
   */
  signatureEncoding?: "hex" | "base64";

  /**
   * The header naming the event, which selects the handler.
   * @default "x-event-type"
   */
  eventHeader?: string;

  /**
   * The header holding the delivery id, the key of replay protection. A
   * delivery without one is keyed by its verified signature.
   *
   * note: the default scheme, `github` and `shopify` sign the body alone,
   * not this header, so the id is only as honest as its sender: replay
   * protection stops the provider's own retries of a delivery, but not a
   * captured delivery sent again under a new id. A signed timestamp
   * (`timestampHeaderKey`) bounds such a resend to `timestampTolerance`.
   * @default "x-webhook-id"
   */
  idHeader?: string;

  /**
   * A header holding the time of signing, as Unix seconds or RFC 3339.
   * When set, the signed string becomes `<raw timestamp>.<raw body>` and a
   * timestamp outside `timestampTolerance` is refused.
   * @default undefined (no timestamp)
   */
  timestampHeaderKey?: string;

  /**
   * How far, in milliseconds, a timestamp may be from now in either
   * direction.
   * @default 300_000 (5 minutes)
   */
  timestampTolerance?: number;

  /**
   * The current time in milliseconds since the epoch, for tests.
   * @default Date.now
   */
  clock?: () => number;

  /**
   * The largest body read, in bytes. A larger one is refused with 413.
   * @default 1_048_576 (1 MiB)
   */
  maxBodyBytes?: number;

  /**
   * Refuses replayed deliveries with 409: the receiver claims each
   * verified delivery's id, and releases the claim when its handler fails
   * so that the provider's retry is processed.
   * @default undefined (no replay protection)
   */
  replayStore?: ReplayStore;

  /**
   * A custom replay check, run after the signature passed: throwing a
   * `WebhookReplayError` refuses the delivery with 409; any other error
   * gives 500.
   * @default undefined
   */
  replayCheck?: (req: IncomingMessage, body: Buffer) => unknown;

  /**
   * Where rejections and failures are logged (pino-shaped).
   * @default defaultLogger
   */
  logger?: Logger;
}

/** The defaults of the options that have one, as documented above. */
export const webhookDefaults = {
  algorithm: "sha256",
  signatureHeader: "x-hub-signature-256",
  signatureEncoding: "hex",
  eventHeader: "x-event-type",
  idHeader: "x-webhook-id",
  timestampTolerance: 5 * 60 * 1000,
  clock: Date.now,
  maxBodyBytes: 1024 * 1024,
  logger: defaultLogger,
} as const satisfies Partial<WebhookOptions>;

/** The options once merged with the preset and the defaults, and checked. */
export interface ReceiverConfig
  extends Omit<PresetDefinition, "secretFormat"> {
  keys: readonly KeyObject[];
  algorithm: WebhookAlgorithm;
  /** The length in bytes of a digest of `algorithm`. */
  digestBytes: number;
  timestampTolerance: number;
  clock: () => number;
  maxBodyBytes: number;
  replayStore: ReplayStore | undefined;
  replayCheck: WebhookOptions["replayCheck"];
  logger: Logger;
}

const knownOptions = new Set<string>([
  "secret", "preset", "algorithm", "signatureHeader", "signatureEncoding",
  "eventHeader", "idHeader", "timestampHeaderKey", "timestampTolerance",
  "clock", "maxBodyBytes", "replayStore", "replayCheck", "logger",
]);

// an HTTP token (RFC 9110): a header name Node could have received
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeader(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !headerName.test(value)) {
    return invalidOption(scope, name, "a header name");
  }
  return [value.toLowerCase()];
}

function normalizePreset(
  options: WebhookOptions,
): PresetDefinition | undefined {
  if (options.preset === undefined) return undefined;
  if (!isPresetName(options.preset)) {
    const names = Object.keys(presets).join(", ");
    return invalidOption(scope, "preset", `one of ${names}`);
  }
  return presets[options.preset];
}

function normalizeAlgorithm(value: unknown): WebhookAlgorithm {
  if (value === undefined) return webhookDefaults.algorithm;
  if (value !== "sha256" && value !== "sha512") {
    return invalidOption(scope, "algorithm", '"sha256" or "sha512"');
  }
  return value;
}

function normalizeEncoding(
  value: unknown,
  fallback: "hex" | "base64",
): "hex" | "base64" {
  if (value === undefined) return fallback;
  if (value !== "hex" && value !== "base64") {
    return invalidOption(scope, "signatureEncoding", '"hex" or "base64"');
  }
  return value;
}

function checkReplayStore(value: unknown): ReplayStore | undefined {
  if (value === undefined) return undefined;
  const store = value as Partial<ReplayStore> | null;
  if (typeof store !== "object" || store === null ||
    typeof store.claim !== "function" ||
    typeof store.release !== "function") {
    return invalidOption(
      scope, "replayStore", "an object with claim() and release()",
    );
  }
  return store as ReplayStore;
}

type SchemeConfig = Omit<PresetDefinition, "secretFormat">;

/**
 * The scheme: the preset's, with each header option given beside it
 * replacing the preset's value, or the default scheme.
 */
function normalizeScheme(
  options: WebhookOptions,
  preset: PresetDefinition | undefined,
  algorithm: WebhookAlgorithm,
): SchemeConfig {
  const timestampHeaders = checkHeader(
    "timestampHeaderKey", options.timestampHeaderKey,
  );
  const eventHeaders = checkHeader("eventHeader", options.eventHeader);
  const idHeaders = checkHeader("idHeader", options.idHeader);

  // a timestamp header beside a preset that signs the body alone (github,
  // shopify) adds the timestamp to the signed string, as in the default
  const signsBodyAlone = preset === undefined || preset.layout === "body";
  const layout = signsBodyAlone
    ? (timestampHeaders ? "timestamp.body" : "body")
    : preset.layout;

  return {
    signatureHeaders: checkHeader("signatureHeader", options.signatureHeader) ??
      preset?.signatureHeaders ?? [webhookDefaults.signatureHeader],
    format: preset?.format ?? "single",
    signaturePrefix: preset?.signaturePrefix ?? `${algorithm}=`,
    encoding: normalizeEncoding(
      options.signatureEncoding,
      preset?.encoding ?? webhookDefaults.signatureEncoding,
    ),
    layout,
    timestampHeaders: timestampHeaders ?? preset?.timestampHeaders ?? [],
    // a header given beside a preset replaces the preset's body field
    eventHeaders: eventHeaders ?? preset?.eventHeaders ??
      [webhookDefaults.eventHeader],
    eventField: eventHeaders ? undefined : preset?.eventField,
    idHeaders: idHeaders ?? preset?.idHeaders ?? [webhookDefaults.idHeader],
    idField: idHeaders ? undefined : preset?.idField,
    acceptsForm: preset?.acceptsForm ?? false,
  };
}

/**
 * Merges `options` with their preset and the defaults and validates them,
 * throwing a TypeError that names the option at fault, so that a mistake
 * fails when the middleware is created rather than at the first delivery.
 */
export function normalizeOptions(options: WebhookOptions): ReceiverConfig {
  checkOptionsObject(scope, options);
  // a misspelt option would otherwise be ignored and its default used
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) {
      throw new TypeError(`${scope}: unknown option ${key}`);
    }
  }

  // the preset first: it decides how the secret is decoded
  const preset = normalizePreset(options);
  const algorithm = normalizeAlgorithm(options.algorithm);
  const keys = normalizeKeys(options.secret, preset?.secretFormat ?? "raw");
  const defaults = webhookDefaults;

  return {
    ...normalizeScheme(options, preset, algorithm),
    keys,
    algorithm,
    digestBytes: algorithm === "sha256" ? 32 : 64,
    timestampTolerance: checkNumber(
      scope, "timestampTolerance",
      options.timestampTolerance ?? defaults.timestampTolerance,
    ),
    clock: options.clock === undefined ? defaults.clock
      : checkFunction<() => number>(scope, "clock", options.clock),
    // note: no Infinity: reading without a limit would let any client
    // make the process buffer as much as it sends
    maxBodyBytes: checkNumber(
      scope, "maxBodyBytes", options.maxBodyBytes ?? defaults.maxBodyBytes,
      { integer: true },
    ),
    replayStore: checkReplayStore(options.replayStore),
    replayCheck: options.replayCheck === undefined ? undefined
      : checkFunction(scope, "replayCheck", options.replayCheck),
    // a logger that throws must not change a response or, from a detached
    // request promise, crash the process
    logger: guardLogger(checkLogger(scope, options.logger, defaults.logger)),
  };
}
