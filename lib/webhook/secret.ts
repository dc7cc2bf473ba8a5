import { createSecretKey, type KeyObject } from "node:crypto";

import { invalidOption } from "../validate";
import type { PresetDefinition } from "./presets";

const scope = "webhook";

// the Standard Webhooks form of a secret: a prefix, then the key in base64
const whsecPrefix = "whsec_";

function withoutPadding(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64[end - 1] === "=") end -= 1;
  return base64.slice(0, end);
}

function decodeSecret(
  secret: unknown,
  format: PresetDefinition["secretFormat"],
): Buffer {
  if (Buffer.isBuffer(secret) && secret.length > 0) return secret;
  if (typeof secret !== "string" || secret === "") {
    return invalidOption(
      scope, "secret", "a non-empty string or Buffer, or an array of them",
    );
  }
  if (format === "raw") return Buffer.from(secret, "utf8");

  // Buffer.from skips what is not base64: decode, then check the round trip
  // so that a mistyped secret fails here rather than every signature later
  const encoded = secret.startsWith(whsecPrefix)
    ? secret.slice(whsecPrefix.length)
    : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0 ||
    withoutPadding(key.toString("base64")) !== withoutPadding(encoded)) {
    return invalidOption(scope, "secret", "whsec_ followed by a base64 key");
  }
  return key;
}

/**
 * The HMAC keys of the `secret` option: one, or several during a rotation
 * (`[current, previous]`), each made a KeyObject once so that no request
 * pays for the key's conversion. Throws the option's TypeError.
 */
export function normalizeKeys(
  secret: unknown,
  format: PresetDefinition["secretFormat"],
): KeyObject[] {
  const list: readonly unknown[] = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) {
    return invalidOption(scope, "secret", "a non-empty array of secrets");
  }
  return list.map((item) => createSecretKey(decodeSecret(item, format)));
}
