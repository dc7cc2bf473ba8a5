import type { ServerResponse } from "node:http";

// The receiver's own answers: a status and a short plain-text body, written
// with `statusCode`/`setHeader`/`end` alone so that it works under Express 4
// and 5, Connect and a bare `http.createServer` handler. The bodies are
// encoded once, and none of them carries request data or error text.

/** The statuses the receiver answers with itself. */
export type ReceiverStatus = 200 | 400 | 401 | 404 | 409 | 413 | 500;

const texts: Record<ReceiverStatus, string> = {
  200: "ok",
  400: "request body could not be read",
  401: "invalid signature",
  404: "no handler for this event",
  409: "delivery already processed",
  413: "payload too large",
  500: "internal server error",
};

const bodies = new Map<number, Buffer>(
  Object.entries(texts).map(([status, text]) => [
    Number(status),
    Buffer.from(text, "utf8"),
  ]),
);

/**
 * Answers `status` with its plain-text body. With `closeConnection`, asks
 * the client to close the connection: used when the request body was not
 * read to its end, so that the rest of it is not parsed as a next request.
 * Does nothing when the response has already started.
 */
export function respond(
  res: ServerResponse,
  status: ReceiverStatus,
  closeConnection = false,
): void {
  if (res.headersSent || res.writableEnded) return;

  const body = bodies.get(status) as Buffer;
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.setHeader("content-length", body.length);
  if (closeConnection) res.setHeader("connection", "close");
  res.end(body);
}
