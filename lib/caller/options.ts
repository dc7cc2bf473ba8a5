import type { AxiosInstance } from "axios";
import { defaultLogger, guardLogger, type Logger } from "../logger";
import { maxTimerDelay } from "../long-timeout";
import {
  checkFunction,
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";
import { equalJitterBackoff } from "./retry";

const SCOPE = "caller";

/** Milliseconds to wait before retry `attempt` (counting from 1). */
export type Backoff = (attempt: number) => number;

/** What `onRetry` and the logger learn about each retry. */
export interface RetryEvent {
  /** The HTTP method, upper case. */
  method: string;
  /** The URL called, without its query string. */
  url: string;
  /** The attempt that just failed, counting from 1. */
  attempt: number;
  /** Milliseconds the Caller waits before attempt `attempt + 1`. */
  delay: number;
  /** Why the attempt failed: `503 Service Unavailable`, `ECONNRESET`... */
  reason: string;
  /** The response status, when the attempt got a complete response. */
  statusCode?: number;
}

/** Options of `new Caller(options)`. */
export interface CallerOptions {
  /**
   * The absolute http(s) URL every path is resolved under. Required unless
   * `axios` is given with its own `defaults.baseURL`.
   * @default the instance's defaults.baseURL
   * @example "https://api.billing.example.com/v1"
   */
  baseURL?: string;
  /**
   * Deadline of each attempt in milliseconds, from its start to the last
   * byte of the response; `0` disables it. At most 2^31 - 1 (a timer's
   * limit).
   * @default 10_000
   */
  timeout?: number;
  /**
   * Attempts after the first one; `0` disables retries.
   * @default 3
   */
  maxRetry?: number;
  /**
   * Headers sent with every call; per-call headers are merged over them.
   * Their values never appear in errors or logs.
   * @default {}
   * @example { Authorization: `Bearer ${token}` }
   */
  headers?: Record<string, string>;
  /**
   * Milliseconds to wait before retry `attempt` (counting from 1).
   * A valid `Retry-After` on a 429 or 5xx takes precedence.
   * @default equalJitterBackoff() (100 ms doubling to 2 s, equal jitter)
   */
  backoff?: Backoff;
  /**
   * Upper bound in milliseconds for a `Retry-After` wait; a longer one is
   * clamped to it, not abandoned.
   * @default 30_000
   */
  maxRetryAfter?: number;
  /**
   * Upper bound in bytes for every response body, error bodies included,
   * enforced while it streams; `Infinity` disables it.
   * @default 4_194_304 (4 MiB)
   */
  maxResponseBytes?: number;
  /**
   * Send one generated `Idempotency-Key` header with every POST and PATCH,
   * the same on all of its attempts.
   * @default false
   */
  idempotencyKey?: boolean;
  /**
   * Called before each retry waits, and awaited: keep it quick. An error
   * it throws is logged and does not stop the retry.
   * @default undefined
   */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /**
   * Pino-shaped logger; each retry is logged at `warn`.
   * @default defaultLogger
   */
  logger?: Logger;
  /**
   * An existing axios instance to build on, keeping its agents and
   * interceptors. It must not have axios-retry installed already.
   * @default a new instance
   */
  axios?: AxiosInstance;
}

/** Options of a single call. */
export interface CallOptions {
  /**
   * Aborting it stops the call at once, backoff waits included, and no
   * further attempt starts. The call rejects with the signal's reason as
   * it is (`error === signal.reason`; an `AbortError` unless a reason was
   * given), not wrapped: it is the one rejection without an `attempts`
   * count, since the reason belongs to the caller and may be shared by
   * many calls. `onRetry` and the logger have seen each retry before it.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Headers for this call, merged over the Caller's.
   * @default undefined
   */
  headers?: Record<string, string>;
  /**
   * The `Idempotency-Key` of this call (any method), or `false` to send
   * none even when the Caller generates them.
   * @default undefined (generated for POST and PATCH when the Caller's
   * idempotencyKey is true)
   */
  idempotencyKey?: string | false;
  /**
   * Read the response body to the end but resolve `undefined` whatever it
   * holds: for endpoints whose answer does not matter or is not JSON.
   * @default false
   */
  discardBody?: boolean;
}

/** The defaults, declared once; a test keeps the TSDoc above in step. */
export const callerDefaults = {
  timeout: 10_000,
  maxRetry: 3,
  headers: {} as Readonly<Record<string, string>>,
  backoff: equalJitterBackoff(),
  maxRetryAfter: 30_000,
  maxResponseBytes: 4 * 1024 * 1024,
  idempotencyKey: false,
  logger: defaultLogger,
} as const;

/** The options after validation, every one present. */
export interface NormalizedCallerOptions {
  baseURL: URL;
  timeout: number;
  maxRetry: number;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  backoff: Backoff;
  maxRetryAfter: number;
  maxResponseBytes: number;
  idempotencyKey: boolean;
  onRetry: ((event: RetryEvent) => void | Promise<void>) | undefined;
  logger: Logger;
  axios: AxiosInstance | undefined;
}

// RFC 9110 token characters for names; values may not hold CR, LF or NUL,
// which would split the header block.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

/**
 * Validates a header map and returns it with lower-case names. Messages
 * name the offending header, never its value.
 */
export function normalizeHeaders(
  scope: string,
  name: string,
  value: unknown,
): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalidOption(scope, name, "an object of header strings");
  }

  const headers: Record<string, string> = {};
  for (const [key, headerValue] of Object.entries(value)) {
    if (!HEADER_NAME.test(key)) {
      invalidOption(scope, name, "an object of valid header names");
    }
    if (typeof headerValue !== "string" || !HEADER_VALUE.test(headerValue)) {
      invalidOption(scope, `${name}.${key}`,
        "a string without CR, LF or NUL");
    }
    headers[key.toLowerCase()] = headerValue;
  }
  return headers;
}

function normalizeBaseURL(value: unknown, axios?: AxiosInstance): URL {
  const raw = value ?? axios?.defaults.baseURL;
  const expected = "an absolute http(s) URL without query or fragment";
  if (typeof raw !== "string" || raw === "") {
    return invalidOption(SCOPE, "baseURL", expected);
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalidOption(SCOPE, "baseURL", expected);
  }
  const isHTTP = url.protocol === "http:" || url.protocol === "https:";
  if (!isHTTP || url.search !== "" || url.hash !== "" ||
    raw.includes("?") || raw.includes("#")) {
    return invalidOption(SCOPE, "baseURL", expected);
  }

  // one trailing-slash form, so that joining a path never doubles it
  url.pathname = url.pathname.replace(/\/+$/, "") || "/";
  return url;
}

function checkTimeout(value: unknown): number {
  const timeout = checkNumber(SCOPE, "timeout", value);
  if (timeout > maxTimerDelay) {
    invalidOption(SCOPE, "timeout", `at most ${maxTimerDelay} ms`);
  }
  return timeout;
}

function isAxiosInstance(value: unknown): value is AxiosInstance {
  if (typeof value !== "function") return false;
  const candidate = value as Partial<AxiosInstance>;
  return typeof candidate.request === "function" &&
    typeof candidate.interceptors === "object";
}

/** Merges `options` over the defaults and validates every one. */
export function normalizeOptions(
  options: CallerOptions,
): NormalizedCallerOptions {
  checkOptionsObject(SCOPE, options);
  const merged = { ...callerDefaults, ...definedOnly(options) };

  const axios = merged.axios;
  if (axios !== undefined && !isAxiosInstance(axios)) {
    invalidOption(SCOPE, "axios", "an axios instance");
  }
  if (typeof merged.idempotencyKey !== "boolean") {
    invalidOption(SCOPE, "idempotencyKey", "a boolean");
  }

  return {
    baseURL: normalizeBaseURL(merged.baseURL, axios),
    timeout: checkTimeout(merged.timeout),
    maxRetry: checkNumber(SCOPE, "maxRetry", merged.maxRetry,
      { integer: true }),
    headers: normalizeHeaders(SCOPE, "headers", merged.headers),
    backoff: checkFunction<Backoff>(SCOPE, "backoff", merged.backoff),
    maxRetryAfter: checkNumber(SCOPE, "maxRetryAfter", merged.maxRetryAfter,
      { infinite: true }),
    maxResponseBytes: checkNumber(SCOPE, "maxResponseBytes",
      merged.maxResponseBytes, { positive: true, integer: true,
        infinite: true }),
    idempotencyKey: merged.idempotencyKey,
    onRetry: merged.onRetry === undefined ? undefined :
      checkFunction(SCOPE, "onRetry", merged.onRetry),
    // a logger that throws must not turn a retry into a failed call
    logger: guardLogger(
      checkLogger(SCOPE, options.logger, callerDefaults.logger)),
    axios,
  };
}

/** `options` without its `undefined` entries, so they take the defaults. */
function definedOnly(options: CallerOptions): CallerOptions {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) result[key] = value;
  }
  return result as CallerOptions;
}
