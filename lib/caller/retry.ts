import { isAxiosError } from "axios";
import type { CallState, Failure } from "./attempt";
import { isBodyOverLimit } from "./body-reader";
import { findRefusedRedirect, isOverSizeError } from "./limits";

// The retry rules, in one place: which failures are retried, how long to
// wait before the next attempt, and what Retry-After may say about it.
// axios-retry's own defaults are not used: they retry a cancelled call, an
// over-size body and a refused redirect, and do not retry a POST on 5xx.

/**
 * Codes of failures below HTTP that may pass: the connection was refused,
 * reset or timed out, or a DNS lookup failed temporarily (`EAI_AGAIN`;
 * `ENOTFOUND` is an answer, not a hiccup, and is final).
 */
const RETRIABLE_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT",
  "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN",
]);

/**
 * Exponential backoff with equal jitter: retry `attempt` waits a delay
 * drawn uniformly from [d/2, d], where d = min(maxDelay, baseDelay *
 * 2^(attempt - 1)). Half the delay is guaranteed, the other half spreads
 * a fleet of replicas so that they do not retry in step.
 * @example new Caller({ baseURL, backoff: equalJitterBackoff({
 *   baseDelay: 250, maxDelay: 5_000 }) })
 */
export function equalJitterBackoff(
  options: { baseDelay?: number; maxDelay?: number } = {},
  random: () => number = Math.random,
): (attempt: number) => number {
  const baseDelay = options.baseDelay ?? 100;
  const maxDelay = options.maxDelay ?? 2_000;

  return (attempt) => {
    const ceiling = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };
}

/**
 * Parses a Retry-After value (RFC 9110 section 10.2.3): delay-seconds or
 * an HTTP-date. Returns milliseconds from `now` (0 for a date in the past),
 * or `undefined` when the value is neither.
 *
 * @example
 * ```ts
 * parseRetryAfter("120");                             // 120_000
 * parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT",
 *   Date.parse("2026-01-01T00:00:00Z"));              // 30_000
 * parseRetryAfter("soon");                            // undefined
 * ```
 */
export function parseRetryAfter(
  value: unknown,
  now: number = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string") return undefined;
  const trimmed = text.trim();

  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

  // a date has letters (the day and month names); this keeps numbers like
  // "-1" or "1.5", which Date.parse would read as years, out
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function isRetriableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** The code of a network failure, from the error or the one it wraps. */
function networkCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === "string") return own;
  const cause = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof cause === "string" ? cause : undefined;
}

/**
 * Decides whether a failed attempt may be retried. The order matters: an
 * aborted call is final whatever else went wrong, and is checked first so
 * that it cannot spin through its remaining retries.
 */
export function classifyFailure(
  error: unknown,
  state: CallState,
  timeout: number,
): Failure {
  if (state.signal?.aborted) {
    return { kind: "aborted", retriable: false, reason: "aborted" };
  }
  if (state.timedOut) {
    const reason = `attempt timed out after ${timeout} ms`;
    return { kind: "timeout", retriable: true, reason };
  }
  if (findRefusedRedirect(error) !== undefined) {
    const reason = "cross-origin redirect refused";
    return { kind: "redirect", retriable: false, reason };
  }
  if (isBodyOverLimit(error) || isOverSizeError(error)) {
    return { kind: "too-large", retriable: false, reason: "body too large" };
  }

  // a complete response outside 2xx: its body was read to the end, so
  // `data` is set (a body cut short leaves it undefined)
  const response = isAxiosError(error) ? error.response : undefined;
  const isComplete = response !== undefined && response.data !== undefined &&
    (error as { code?: string }).code?.startsWith("ERR_BAD_") === true;
  if (isComplete) {
    const retriable = isRetriableStatus(response.status);
    const reason = `${response.status} ${response.statusText ?? ""}`.trim();
    const retryAfter = retriable ?
      parseRetryAfter(response.headers["retry-after"]) : undefined;
    return { kind: "status", retriable, reason, retryAfter };
  }

  // axios reports a body cut mid-stream as ERR_BAD_RESPONSE too
  const code = networkCode(error);
  if (code === "ERR_BAD_RESPONSE") {
    const reason = "connection closed mid-response";
    return { kind: "network", retriable: true, reason, code: "ECONNRESET" };
  }
  const retriable = code !== undefined && RETRIABLE_CODES.has(code);
  const reason = code ?? "request failed";
  return { kind: "network", retriable, reason, code };
}
