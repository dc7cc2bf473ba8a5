import { createHmac, timingSafeEqual, type KeyObject } from "node:crypto";

import type { SignatureFormat, SignedLayout } from "./presets";

/**
 * The most signatures read from one header. Providers send one per active
 * secret (two during a rotation); a header listing more is refused before
 * any HMAC is computed, so that the work per request stays bounded whatever
 * the header holds.
 */
export const maxSignatures = 8;

/** The candidate signatures of a header, and Stripe's `t=` timestamp. */
export interface SignatureHeader {
  signatures: string[];
  timestamp: string | undefined;
}

/** Why a signature header was refused, for the log line. */
export type SignatureProblem =
  | "missing signature"
  | "malformed signature"
  | "too many signatures"
  | "signature mismatch";

function parseStripe(value: string): SignatureHeader | SignatureProblem {
  const header: SignatureHeader = { signatures: [], timestamp: undefined };
  let start = 0;
  let entries = 0;

  while (start <= value.length) {
    entries += 1;
    if (entries > maxSignatures + 1) return "too many signatures";

    const comma = value.indexOf(",", start);
    const end = comma === -1 ? value.length : comma;
    const equals = value.indexOf("=", start);
    if (equals !== -1 && equals < end) {
      const key = value.slice(start, equals).trim();
      const item = value.slice(equals + 1, end).trim();
      if (key === "t") header.timestamp = item;
      // v0 (test-mode) and future schemes are ignored, as Stripe documents
      else if (key === "v1") header.signatures.push(item);
    }
    start = end + 1;
  }

  if (header.timestamp === undefined || header.signatures.length === 0) {
    return "malformed signature";
  }
  return header;
}

function parseStandard(value: string): SignatureHeader | SignatureProblem {
  const header: SignatureHeader = { signatures: [], timestamp: undefined };
  let start = 0;
  let entries = 0;

  while (start < value.length) {
    const space = value.indexOf(" ", start);
    const end = space === -1 ? value.length : space;
    if (end > start) {
      entries += 1;
      if (entries > maxSignatures) return "too many signatures";
      // only the symmetric `v1`; `v1a` (ed25519) entries are skipped
      if (value.startsWith("v1,", start)) {
        header.signatures.push(value.slice(start + 3, end));
      }
    }
    start = end + 1;
  }

  if (header.signatures.length === 0) return "malformed signature";
  return header;
}

/**
 * Reads the candidate signatures out of a signature header's value. Returns
 * the problem instead when the header cannot hold a valid signature.
 */
export function parseSignatureHeader(
  format: SignatureFormat,
  prefix: string,
  value: string | string[] | undefined,
): SignatureHeader | SignatureProblem {
  if (value === undefined || value === "") return "missing signature";
  // a repeated header: Node joins unknown ones, but keeps some as arrays
  if (typeof value !== "string") return "malformed signature";

  if (format === "stripe") return parseStripe(value);
  if (format === "standard") return parseStandard(value);

  const signature = prefix !== "" && value.startsWith(prefix)
    ? value.slice(prefix.length)
    : value;
  return { signatures: [signature], timestamp: undefined };
}

/** What the HMAC covers: `prefix` (may be empty) then the raw body. */
export interface SignedContent {
  prefix: string;
  body: Buffer;
}

function decodeSignature(
  signature: string,
  encoding: "hex" | "base64",
  digestBytes: number,
): Buffer | undefined {
  // Buffer.from stops at the first character it cannot decode, so a
  // malformed signature comes out shorter than a digest and is refused here,
  // before timingSafeEqual would throw on the length mismatch
  if (encoding === "hex" && signature.length !== digestBytes * 2) {
    return undefined;
  }
  // base64 with or without its `=` padding
  if (encoding === "base64" &&
    signature.length !== Math.ceil(digestBytes / 3) * 4 &&
    signature.length !== Math.ceil((digestBytes * 4) / 3)) {
    return undefined;
  }

  const decoded = Buffer.from(signature, encoding);
  if (decoded.length !== digestBytes) return undefined;

  // base64 is malleable: the unused low bits of the last character can be
  // set, and characters outside the alphabet are skipped, without changing
  // the bytes. Only the canonical spelling is taken, as by the providers'
  // own verifiers, which compare strings. The length was checked above, so
  // a prefix of the canonical form is that form with or without padding.
  if (encoding === "base64" &&
    !decoded.toString("base64").startsWith(signature)) {
    return undefined;
  }
  return decoded;
}

/**
 * Computes the HMAC of `content` under each key and compares it in constant
 * time with each candidate signature. Returns the matching digest, or the
 * problem: `malformed signature` when no candidate has the digest's length,
 * `signature mismatch` otherwise.
 */
export function matchSignature(
  keys: readonly KeyObject[],
  algorithm: string,
  digestBytes: number,
  encoding: "hex" | "base64",
  signatures: readonly string[],
  content: SignedContent,
): Buffer | SignatureProblem {
  const candidates: Buffer[] = [];
  for (const signature of signatures) {
    const decoded = decodeSignature(signature, encoding, digestBytes);
    if (decoded !== undefined) candidates.push(decoded);
  }
  if (candidates.length === 0) return "malformed signature";

  for (const key of keys) {
    const hmac = createHmac(algorithm, key);
    if (content.prefix !== "") hmac.update(content.prefix, "utf8");
    const digest = hmac.update(content.body).digest();

    // constant time: the time taken must not tell how many leading bytes
    // of a forged signature were right
    for (const candidate of candidates) {
      if (timingSafeEqual(candidate, digest)) return digest;
    }
  }
  return "signature mismatch";
}

/**
 * The part of the signed string before the body, for `layout`: empty, or
 * `<timestamp>.`, `v0:<timestamp>:`, `<id>.<timestamp>.`.
 */
export function signedPrefix(
  layout: SignedLayout,
  timestamp: string,
  id: string,
): string {
  switch (layout) {
    case "body":
      return "";
    case "timestamp.body":
      return `${timestamp}.`;
    case "slack":
      return `v0:${timestamp}:`;
    case "id.timestamp.body":
      return `${id}.${timestamp}.`;
  }
}
