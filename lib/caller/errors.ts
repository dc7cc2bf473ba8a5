import { IntegrationKitError } from "../errors";

// Every error a Caller rejects with on purpose, in one place. Each one names
// the call (method and URL without its query string, which often carries
// tokens) and how many attempts were made, so a log line alone says what
// failed, where, and how hard the Caller tried.

/** What every caller error knows about the call that failed. */
export interface CallContext {
  /** The HTTP method, upper case. */
  method: string;
  /** The URL called, without its query string or fragment. */
  url: string;
  /** How many attempts were made, the first one included. */
  attempts: number;
}

const EXCERPT_LENGTH = 200;

function describeAttempts(attempts: number): string {
  return `(${attempts} attempt${attempts === 1 ? "" : "s"})`;
}

/** A body excerpt on one line, short enough for a log message. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= EXCERPT_LENGTH) return line;
  return `${line.slice(0, EXCERPT_LENGTH)}...`;
}

/**
 * The base of every error a Caller rejects with after an attempt, for one
 * `instanceof` check. Two rejections are not ones: an aborted call's,
 * which is the signal's own reason, and the TypeError of an invalid
 * argument (a path outside baseURL, a bad query value), thrown before any
 * attempt.
 */
export class CallerError extends IntegrationKitError {
  readonly method: string;
  readonly url: string;
  readonly attempts: number;

  constructor(
    call: CallContext,
    detail: string,
    code: string,
    options?: { cause?: unknown },
  ) {
    const where = `${call.method} ${call.url}`;
    super(`${where}: ${detail} ${describeAttempts(call.attempts)}`, code,
      options);
    this.method = call.method;
    this.url = call.url;
    this.attempts = call.attempts;
  }
}

/**
 * A final response outside 2xx, after any retries.
 *
 * @example
 * ```ts
 * try {
 *   await billing.post("/refunds", refund);
 * } catch (err) {
 *   if (err instanceof HTTPStatusError && err.statusCode === 409) {
 *     return err.body;       // the parsed JSON the upstream sent
 *   }
 *   throw err;
 * }
 * ```
 */
export class HTTPStatusError extends CallerError {
  readonly statusCode: number;
  readonly statusText: string;
  /** The body parsed as JSON, or `undefined` when empty or not JSON. */
  readonly body: unknown;
  /** The body as text, bounded by `maxResponseBytes`. */
  readonly rawBody: string;
  /** The response headers, names in lower case. */
  readonly headers: Record<string, string | string[]>;
  /** Whether the status was one the Caller retries (429, 5xx). */
  readonly retriable: boolean;

  constructor(
    call: CallContext,
    response: {
      statusCode: number;
      statusText: string;
      body: unknown;
      rawBody: string;
      headers: Record<string, string | string[]>;
      retriable: boolean;
    },
  ) {
    const status = `${response.statusCode} ${response.statusText}`.trim();
    super(call, status, "ERR_HTTP_STATUS");
    if (response.rawBody !== "") {
      this.message += `: ${excerpt(response.rawBody)}`;
    }
    this.statusCode = response.statusCode;
    this.statusText = response.statusText;
    this.body = response.body;
    this.rawBody = response.rawBody;
    this.headers = response.headers;
    this.retriable = response.retriable;
  }
}

/** A 2xx response whose body is not valid JSON. Not retried. */
export class ResponseParseError extends CallerError {
  readonly statusCode: number;
  /** The body as received, bounded by `maxResponseBytes`. */
  readonly rawBody: string;

  constructor(
    call: CallContext,
    statusCode: number,
    rawBody: string,
    cause: unknown,
  ) {
    super(call, `${statusCode} response body is not valid JSON`,
      "ERR_RESPONSE_PARSE", { cause });
    this.statusCode = statusCode;
    this.rawBody = rawBody;
  }
}

/** A response body, error bodies included, over `maxResponseBytes`. */
export class ResponseTooLargeError extends CallerError {
  /** The limit that was crossed, in bytes. */
  readonly limit: number;

  constructor(call: CallContext, limit: number, cause: unknown) {
    super(call, `response body over the limit of ${limit} bytes`,
      "ERR_RESPONSE_TOO_LARGE", { cause });
    this.limit = limit;
  }
}

/** A redirect to another origin than `baseURL`'s, refused unfollowed. */
export class CrossOriginRedirectError extends CallerError {
  /** The redirect target, without its query string. */
  readonly location: string;

  constructor(call: CallContext, location: string, cause: unknown) {
    super(call, `refused redirect to another origin (${location})`,
      "ERR_CROSS_ORIGIN_REDIRECT", { cause });
    this.location = location;
  }
}

/**
 * A call that failed below HTTP: connection refused or reset, socket hang
 * up, DNS failure, TLS failure. `code` is the underlying one (`ECONNRESET`,
 * `ECONNREFUSED`, `EAI_AGAIN`...), or `ERR_NETWORK` when there is none.
 */
export class NetworkError extends CallerError {
  /** Whether the failure was one the Caller retries. */
  readonly retriable: boolean;

  constructor(
    call: CallContext,
    detail: string,
    code: string,
    retriable: boolean,
    cause: unknown,
  ) {
    super(call, detail, code, { cause });
    this.retriable = retriable;
  }
}

/** The last attempt did not finish (last byte read) within `timeout`. */
export class RequestTimeoutError extends NetworkError {
  /** The per-attempt deadline, in milliseconds. */
  readonly timeout: number;

  constructor(call: CallContext, timeout: number, cause: unknown) {
    super(call, `attempt timed out after ${timeout} ms`,
      "ERR_REQUEST_TIMEOUT", true, cause);
    this.timeout = timeout;
  }
}
