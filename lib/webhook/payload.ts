/** A parsed webhook body: a JSON object, or the fields of a form body. */
export type Payload = Readonly<Record<string, unknown>>;

/** Reads a value (an event name, a delivery id) from the parsed body. */
export type PayloadField = (payload: Payload) => string | undefined;

const openBrace = 0x7b;

function firstSignificantByte(body: Buffer): number {
  for (let i = 0; i < body.length; i += 1) {
    const byte = body[i];
    // JSON's insignificant whitespace: space, tab, line feed, carriage return
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) {
      return byte;
    }
  }
  return -1;
}

/**
 * Parses a verified body for the presets that read the event name or the
 * delivery id from it. A JSON object is parsed as JSON; with `acceptsForm`,
 * anything else is read as `application/x-www-form-urlencoded`. Returns
 * `undefined` for a body that is neither: the delivery then has no event
 * name from its body, and is dispatched to the `"*"` handler or refused
 * with 404.
 */
export function parsePayload(
  body: Buffer,
  acceptsForm: boolean,
): Payload | undefined {
  if (firstSignificantByte(body) === openBrace) {
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      return typeof parsed === "object" && parsed !== null &&
        !Array.isArray(parsed)
        ? (parsed as Payload)
        : undefined;
    } catch {
      return undefined;
    }
  }

  if (!acceptsForm) return undefined;
  return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
}

/** The string at `key` of `payload`, or `undefined` (absent, not a string). */
export function payloadString(
  payload: Payload,
  key: string,
): string | undefined {
  if (!Object.hasOwn(payload, key)) return undefined;
  const value = payload[key];
  return typeof value === "string" ? value : undefined;
}
