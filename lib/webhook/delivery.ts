import type { IncomingHttpHeaders } from "node:http";

import type { WebhookDelivery } from "./handlers";
import type { ReceiverConfig } from "./options";
import { parsePayload, type Payload, type PayloadField } from "./payload";
import { firstHeader, type VerifiedDelivery } from "./verify";

/**
 * An event name or delivery id: from the parsed body when the scheme reads
 * it there, from the first of `names` present otherwise. Empty is absent.
 */
function readDeliveryField(
  headers: IncomingHttpHeaders,
  names: readonly string[],
  field: PayloadField | undefined,
  payload: Payload | undefined,
): string | undefined {
  const value = field !== undefined
    ? (payload === undefined ? undefined : field(payload))
    : firstHeader(headers, names);
  return value === "" ? undefined : value;
}

/**
 * What the handler is told about a delivery that passed verification: its
 * event name and id, from the headers or (for the presets that name them
 * there) from the body, parsed once and only then, and its signed time.
 */
export function describeDelivery(
  config: ReceiverConfig,
  headers: IncomingHttpHeaders,
  body: Buffer,
  verified: VerifiedDelivery,
): WebhookDelivery {
  const payload = config.eventField !== undefined ||
    config.idField !== undefined
    ? parsePayload(body, config.acceptsForm)
    : undefined;

  return {
    event: readDeliveryField(
      headers, config.eventHeaders, config.eventField, payload,
    ),
    id: readDeliveryField(headers, config.idHeaders, config.idField, payload),
    timestamp: verified.timestamp,
  };
}
