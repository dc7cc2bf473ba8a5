import type { IncomingMessage, ServerResponse } from "node:http";
import getRawBody from "raw-body";

import type { Logger } from "../logger";
import { WebhookBodyError } from "./errors";
import { respond } from "./respond";

/**
 * A request as the receiver sees it: `rawBody` is set by
 * {@link keepRawBody} (or by the receiver once it has read the stream),
 * `body` by a body parser that ran before it, and `_body` is the flag with
 * which body-parser 1.x marks a body as read.
 */
export interface WebhookRequest extends IncomingMessage {
  /** The exact bytes of the body, once read or kept. */
  rawBody?: Buffer;
  /** What a body parser made of the body; a Buffer from `express.raw()`. */
  body?: unknown;
  /** body-parser 1.x's mark of a body already read. */
  _body?: boolean;
}

/**
 * A `verify` function for body-parser (`express.json`, `express.raw`,
 * `express.text`, `express.urlencoded`) that keeps the exact bytes it read
 * as `req.rawBody`, so that the webhook receiver can verify a signature
 * after the body was parsed.
 *
 * @example
 * ```ts
 * app.use(express.json({ verify: keepRawBody }));
 * app.use("/hooks", webhook(options, handlers));
 * ```
 */
export function keepRawBody(
  req: IncomingMessage,
  _res: ServerResponse,
  buf: Buffer,
): void {
  (req as WebhookRequest).rawBody = buf;
}

const consumedMessage =
  "webhook request body was consumed before the webhook middleware and no " +
  "raw bytes were kept: mount webhook() before express.json(), or pass " +
  "{ verify: keepRawBody } to the body parser";

function tooLarge(maxBodyBytes: number, cause?: unknown): WebhookBodyError {
  return new WebhookBodyError(
    "too-large",
    `webhook request body is over maxBodyBytes (${maxBodyBytes})`,
    maxBodyBytes,
    { cause },
  );
}

/** The bytes a parser before the receiver kept, if any. */
function keptBody(req: WebhookRequest): Buffer | undefined {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  // express.raw() leaves the bytes themselves as req.body
  if (Buffer.isBuffer(req.body)) return req.body;
  return undefined;
}

/** Receives the raw body, or the reason there is none. */
export type RawBodyCallback = (
  err: WebhookBodyError | undefined,
  body: Buffer | undefined,
) => void;

/**
 * Reads the raw body of `req`, at most `maxBodyBytes` long: the bytes a
 * body parser kept when one ran first, otherwise the stream, read here. A
 * declared Content-Length over the limit is refused before reading, and a
 * chunked body is cut as soon as it passes the limit, so memory stays
 * bounded by the limit. Fails with a {@link WebhookBodyError}.
 *
 * A callback rather than a promise, since this is on every request's path;
 * it is called synchronously when the body was kept by a parser.
 *
 * note: a body is read as sent: a `Content-Encoding` is not undone, since
 * providers sign the bytes they send and do not compress webhooks. A slow
 * client is bounded by the server's `requestTimeout`, not here.
 *
 * After reading, the request is marked as read (`_body` for body-parser
 * 1.x; body-parser 2.x sees the ended stream), so that a parser mounted
 * after the receiver skips it.
 */
export function readRawBody(
  req: WebhookRequest,
  maxBodyBytes: number,
  callback: RawBodyCallback,
): void {
  const kept = keptBody(req);
  if (kept !== undefined) {
    if (kept.length > maxBodyBytes) callback(tooLarge(maxBodyBytes), undefined);
    else callback(undefined, kept);
    return;
  }

  // the stream was read by a parser that kept nothing: waiting for data
  // would hang, so this is reported at once as a configuration mistake
  if (req._body === true || req.readableEnded) {
    const err = new WebhookBodyError("consumed", consumedMessage, maxBodyBytes);
    callback(err, undefined);
    return;
  }

  getRawBody(req, {
    length: req.headers["content-length"],
    limit: maxBodyBytes,
  }, (err, body) => {
    if (err) {
      callback(bodyReadError(err, maxBodyBytes), undefined);
      return;
    }
    req._body = true;
    req.rawBody = body;
    callback(undefined, body);
  });
}

function bodyReadError(err: unknown, maxBodyBytes: number): WebhookBodyError {
  const status = (err as { status?: unknown }).status;
  if (status === 413) return tooLarge(maxBodyBytes, err);

  return new WebhookBodyError(
    "unreadable",
    "webhook request body could not be read",
    maxBodyBytes,
    { cause: err },
  );
}

/**
 * Answers a request whose body could not be had, and logs why: 413 over
 * the limit, 400 unreadable (both closing the connection, since the rest of
 * the body was not read and must not be parsed as the next request), 500
 * when a parser consumed it, logged as an error that names the fix.
 */
export function refuseBody(
  logger: Logger,
  res: ServerResponse,
  err: unknown,
): void {
  const problem = err instanceof WebhookBodyError ? err.problem : "unreadable";

  if (problem === "consumed") {
    logger.error({ err }, "webhook raw body unavailable");
    respond(res, 500);
    return;
  }

  logger.warn({ err }, problem === "too-large"
    ? "webhook body too large"
    : "webhook body unreadable");
  respond(res, problem === "too-large" ? 413 : 400, true);
}
