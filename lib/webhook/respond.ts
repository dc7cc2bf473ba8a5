import type { ServerResponse } from "node:http";

// The receiver's own answers: a status and a short plain-text body, written
// with `statusCode`/`setHeader`/`end` alone so that it works under Express 4
// and 5, Connect and a bare `http.createServer` handler. None of the bodies
// carries request data or error text.

/** The statuses the receiver answers with itself. */
export type ReceiverStatus = 200 | 400 | 401 | 404 | 409 | 413 | 500;

const texts: Readonly<Record<ReceiverStatus, string>> = {
  200: "ok",
  400: "request body could not be read",
  401: "invalid signature",
  404: "no handler for this event",
  409: "delivery already processed",
  413: "payload too large",
  500: "internal server error",
};

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

  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  if (closeConnection) res.setHeader("connection", "close");
  // a string, not a Buffer: Node then sends it in one write with the head
  // and sets Content-Length itself, where a Buffer costs a second write
  res.end(texts[status]);
}

/**
 * Ends the response of a handler that returned without ending it. A
 * handler that left the status alone gets the receiver's 200; one that set
 * a status (`res.statusCode = 202`) gets that status, with the headers it
 * set and no body, since that status is clearly its answer. Does nothing
 * when the response has already started.
 */
export function answerForHandler(res: ServerResponse): void {
  if (res.headersSent || res.writableEnded) return;

  if (res.statusCode === 200) respond(res, 200);
  else res.end();
}
