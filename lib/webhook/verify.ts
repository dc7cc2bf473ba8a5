import type { IncomingHttpHeaders } from "node:http";

import type { WebhookDelivery } from "./handlers";
import type { ReceiverConfig } from "./options";
import {
  matchSignature,
  parseSignatureHeader,
  signedPrefix,
  type SignatureProblem,
} from "./signature";
import { isWithinTolerance, parseTimestamp } from "./timestamp";

/** Why a delivery failed verification (401), for the log line. */
export type VerificationProblem =
  | SignatureProblem
  | "missing timestamp"
  | "malformed timestamp"
  | "timestamp outside tolerance"
  | "missing delivery id";

/**
 * The outcome of `WebhookReceiver#verify`: the delivery, or why it was
 * refused (the reason the middleware logs with its 401).
 */
export type WebhookVerification =
  | { verified: true; delivery: WebhookDelivery }
  | { verified: false; reason: VerificationProblem };

/** What verification learnt about a delivery that passed it. */
export interface VerifiedDelivery {
  /** The digest that matched: the replay key of a delivery without an id. */
  digest: Buffer;
  /** The signed time of sending, in ms since the epoch, when there is one. */
  timestamp: number | undefined;
}

/** The first of `names` present in `headers`, as a single string. */
export function firstHeader(
  headers: IncomingHttpHeaders,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const value = headers[name];
    if (typeof value === "string") return value;
  }
  return undefined;
}

function rawHeader(
  headers: IncomingHttpHeaders,
  names: readonly string[],
): string | string[] | undefined {
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Verifies the signature (and the timestamp, when the scheme has one) of a
 * delivery whose raw body is `body`. Never throws: every way a request can
 * be wrong is returned as a {@link VerificationProblem}.
 */
export function verifyDelivery(
  config: ReceiverConfig,
  headers: IncomingHttpHeaders,
  body: Buffer,
): VerifiedDelivery | VerificationProblem {
  const header = parseSignatureHeader(
    config.format,
    config.signaturePrefix,
    rawHeader(headers, config.signatureHeaders),
  );
  if (typeof header === "string") return header;

  // timestamp: checked before the HMAC, since it is the cheaper refusal
  let rawTimestamp = "";
  let timestamp: number | undefined;
  if (config.layout !== "body") {
    const raw = header.timestamp ??
      firstHeader(headers, config.timestampHeaders);
    if (raw === undefined || raw === "") return "missing timestamp";

    timestamp = parseTimestamp(raw);
    if (timestamp === undefined) return "malformed timestamp";
    if (!isWithinTolerance(timestamp, config.clock(),
      config.timestampTolerance)) {
      return "timestamp outside tolerance";
    }
    rawTimestamp = raw;
  }

  // the id is part of the signed string of Standard Webhooks
  let id = "";
  if (config.layout === "id.timestamp.body") {
    const headerId = firstHeader(headers, config.idHeaders);
    if (headerId === undefined || headerId === "") {
      return "missing delivery id";
    }
    id = headerId;
  }

  const digest = matchSignature(
    config.keys,
    config.algorithm,
    config.digestBytes,
    config.encoding,
    header.signatures,
    { prefix: signedPrefix(config.layout, rawTimestamp, id), body },
  );
  if (typeof digest === "string") return digest;
  return { digest, timestamp };
}
