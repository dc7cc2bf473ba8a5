import { createHmac, randomUUID } from "node:crypto";

import { normalizeOptions, type WebhookOptions } from "./options";
import { signedPrefix } from "./signature";
import { toUnixSeconds } from "./timestamp";

/** What {@link signWebhook} signs beside the body. */
export interface SignWebhookDetails {
  /**
   * The time of signing: a Date, milliseconds since the epoch, or the raw
   * header text (Unix seconds, or RFC 3339 for the default scheme).
   * @default the options' clock, now
   */
  timestamp?: Date | number | string;

  /**
   * The delivery id, sent in the scheme's id header.
   * @default a random UUID (`msg_<uuid>` for standard-webhooks)
   */
  id?: string;

  /**
   * The event name, sent in the scheme's event header when the event is
   * named by a header (not by the body, as with Stripe).
   * @default undefined (no event header)
   */
  event?: string;
}

function rawTimestamp(
  timestamp: SignWebhookDetails["timestamp"],
  clock: () => number,
): string {
  if (typeof timestamp === "string") return timestamp;
  if (timestamp instanceof Date) return toUnixSeconds(timestamp.getTime());
  return toUnixSeconds(timestamp ?? clock());
}

/**
 * Signs `body` as the provider (or the default scheme) described by
 * `options` would, and returns the headers it would send, by lowercase
 * name. Meant for tests and local development: the result is accepted by
 * the receiver configured with the same options, and for presets by the
 * provider's own verifier. With several secrets, the first one signs.
 *
 * @example
 * ```ts
 * const headers = signWebhook({ secret }, body, { event: "order.paid" });
 * await fetch(url, { method: "POST", headers, body });
 * ```
 */
export function signWebhook(
  options: WebhookOptions,
  body: string | Buffer,
  details: SignWebhookDetails = {},
): Record<string, string> {
  const config = normalizeOptions(options);
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const timestamp = rawTimestamp(details.timestamp, config.clock);
  const id = details.id ?? (config.layout === "id.timestamp.body"
    ? `msg_${randomUUID()}`
    : randomUUID());

  const hmac = createHmac(config.algorithm, config.keys[0]);
  hmac.update(signedPrefix(config.layout, timestamp, id), "utf8");
  const digest = hmac.update(bytes).digest(config.encoding);

  const headers: Record<string, string> = {};
  const signatureHeader = config.signatureHeaders[0];
  if (config.format === "stripe") {
    headers[signatureHeader] = `t=${timestamp},v1=${digest}`;
  } else if (config.format === "standard") {
    headers[signatureHeader] = `v1,${digest}`;
  } else {
    headers[signatureHeader] = `${config.signaturePrefix}${digest}`;
  }

  if (config.layout !== "body" && config.format !== "stripe") {
    headers[config.timestampHeaders[0]] = timestamp;
  }
  if (config.idHeaders.length > 0 && config.idField === undefined) {
    headers[config.idHeaders[0]] = id;
  }
  if (details.event !== undefined && config.eventField === undefined) {
    headers[config.eventHeaders[0]] = details.event;
  }
  return headers;
}
