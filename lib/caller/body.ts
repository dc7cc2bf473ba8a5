// Request bodies out and response bodies in. JSON is the default both
// ways; bytes and strings go out as given, for upstreams with their own
// wire format.

/** What a call can send: a JSON value, or bytes or text sent as given. */
export type RequestBody = unknown;

/** A query string value; `null` and `undefined` entries are left out. */
export type QueryValue = string | number | boolean | null | undefined;

/** Query parameters; an array repeats its key (`?id=1&id=2`). */
export type QueryParams = Record<string, QueryValue | readonly QueryValue[]>;

export interface EncodedBody {
  data: string | Buffer;
  contentType: string;
}

/** Encodes a request body, or returns `undefined` when there is none. */
export function encodeBody(body: RequestBody): EncodedBody | undefined {
  if (body === undefined) return undefined;

  if (Buffer.isBuffer(body)) {
    return { data: body, contentType: "application/octet-stream" };
  }
  if (body instanceof Uint8Array) {
    // a view may cover part of its buffer: copy nothing, but keep its range
    // (axios would send the whole underlying ArrayBuffer)
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { data: bytes, contentType: "application/octet-stream" };
  }
  if (typeof body === "string") {
    return { data: body, contentType: "text/plain; charset=utf-8" };
  }

  // a cycle or a BigInt makes JSON.stringify throw; a function or a
  // symbol makes it return undefined
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new TypeError("caller: body is not serialisable as JSON",
      { cause: error });
  }
  if (json === undefined) {
    throw new TypeError("caller: body is not serialisable as JSON");
  }
  return { data: json, contentType: "application/json" };
}

/**
 * Serialises query parameters with repeated keys for arrays, the form
 * most servers read (axios' default writes `id[]=1&id[]=2`).
 */
export function serializeParams(params: QueryParams): string {
  // an untyped caller may pass a query string: Object.entries would spell
  // it out character by character
  if (typeof params !== "object" || params === null ||
    Array.isArray(params)) {
    throw new TypeError("caller: query parameters must be an object");
  }

  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values as readonly unknown[]) {
      if (item === null || item === undefined) continue;
      if (typeof item === "object" || typeof item === "function") {
        throw new TypeError(
          `caller: query parameter ${key} must be a string, number, ` +
          "boolean or an array of them");
      }
      search.append(key, String(item));
    }
  }
  return search.toString();
}

/** `text` parsed as JSON, `undefined` when empty; throws SyntaxError. */
export function parseJSONBody(text: string): unknown {
  if (text === "") return undefined;
  return JSON.parse(text);
}

/** `text` parsed as JSON, or `undefined` when empty or not JSON. */
export function parseJSONQuietly(text: string): unknown {
  try {
    return parseJSONBody(text);
  } catch {
    return undefined;
  }
}
