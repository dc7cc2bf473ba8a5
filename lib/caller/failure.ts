import { isAxiosError, type AxiosError } from "axios";
import type { CallState } from "./attempt";
import { parseJSONQuietly } from "./body";
import {
  CrossOriginRedirectError,
  HTTPStatusError,
  NetworkError,
  RequestTimeoutError,
  ResponseTooLargeError,
} from "./errors";
import { findRefusedRedirect } from "./limits";
import { classifyFailure } from "./retry";

// Turns the error a call's last attempt ended with into the typed error the
// Caller rejects with.

/**
 * The error to keep as `cause`. An AxiosError holds the request config,
 * and with it the static headers (an Authorization token); structured
 * loggers walk `cause` and would print them. So the cause is the error
 * below axios when there is one, else the AxiosError stripped of config,
 * request and response.
 */
function underlyingCause(error: AxiosError): Error {
  const below = error.cause;
  if (below instanceof Error && !isAxiosError(below)) return below;

  const redacted = error as AxiosError & Record<string, unknown>;
  redacted.config = undefined;
  redacted.request = undefined;
  redacted.response = undefined;
  return redacted;
}

/** Lower-case header names to values, from axios' headers object. */
function plainHeaders(headers: unknown): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  if (typeof headers !== "object" || headers === null) return result;
  const source = "toJSON" in headers && typeof headers.toJSON === "function"
    ? headers.toJSON() as Record<string, unknown> : headers;

  for (const [name, value] of Object.entries(source)) {
    if (typeof value === "string" || Array.isArray(value)) {
      result[name.toLowerCase()] = value;
    } else if (typeof value === "number") {
      result[name.toLowerCase()] = String(value);
    }
  }
  return result;
}

/**
 * The error a call rejects with after its last attempt: the signal's own
 * reason for an aborted call, a typed caller error for everything axios
 * reported, and any other error (a throwing interceptor, a broken backoff)
 * as it is.
 */
export function toCallerError(
  error: unknown,
  state: CallState,
  limits: { timeout: number; maxResponseBytes: number },
): unknown {
  if (state.signal?.aborted) return state.signal.reason;
  if (!isAxiosError(error)) return error;

  const failure = classifyFailure(error, state, limits.timeout);
  const call = { method: state.method, url: state.url,
    attempts: Math.max(1, state.attempts) };

  switch (failure.kind) {
    case "status": {
      const response = error.response!;
      const rawBody = typeof response.data === "string" ? response.data : "";
      return new HTTPStatusError(call, {
        statusCode: response.status,
        statusText: response.statusText ?? "",
        body: parseJSONQuietly(rawBody),
        rawBody,
        headers: plainHeaders(response.headers),
        retriable: failure.retriable,
      });
    }
    case "too-large":
      return new ResponseTooLargeError(call, limits.maxResponseBytes,
        underlyingCause(error));
    case "redirect":
      return new CrossOriginRedirectError(call,
        findRefusedRedirect(error)!.location, underlyingCause(error));
    case "timeout":
      return new RequestTimeoutError(call, limits.timeout,
        underlyingCause(error));
    default: {
      return new NetworkError(call, failure.reason,
        failure.code ?? "ERR_NETWORK", failure.retriable,
        underlyingCause(error));
    }
  }
}
