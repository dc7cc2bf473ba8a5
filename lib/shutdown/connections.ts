import type {
  IncomingMessage,
  Server as HttpServer,
  ServerResponse,
} from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import { Server as TlsServer } from "node:tls";

/** The servers {@link gracefulShutdown} can drain. */
export type ShutdownServer = HttpServer | HttpsServer;

/**
 * Follows the connections of an HTTP(S) server and the requests in flight
 * on each, so that shutdown can close every keep-alive connection as soon
 * as it has nothing left to answer, instead of waiting for the
 * keep-alive timeout.
 *
 * note: connections accepted before the tracker was attached are only
 * seen through the server's own closeIdleConnections() and
 * closeAllConnections(); attach right after listen().
 */
export class ConnectionTracker {
  readonly #server: ShutdownServer;
  readonly #sockets = new Map<Socket, number>();
  readonly #responses = new Set<ServerResponse>();
  readonly #connectionEvent: "connection" | "secureConnection";
  #draining = false;

  constructor(server: ShutdownServer) {
    this.#server = server;
    // an HTTPS request's socket is the TLS socket, not the raw TCP one
    this.#connectionEvent = server instanceof TlsServer
      ? "secureConnection"
      : "connection";

    server.on(this.#connectionEvent, this.#onConnection);
    // first in line, so that a handler answering synchronously still
    // answers with `Connection: close` during shutdown
    server.prependListener("request", this.#onRequest);
  }

  /** Open connections and requests in flight, for the timeout's log. */
  describe(): string {
    const connections = count(this.#sockets.size, "connection");
    const requests = count(this.#responses.size, "request");
    return `http: ${connections}, ${requests} in flight`;
  }

  /**
   * Ends keep-alive: from now on every response still to be written says
   * `Connection: close`, so that its connection closes once answered, and
   * a connection whose response had already promised keep-alive is ended
   * when that response is done.
   */
  refuseKeepAlive(): void {
    this.#draining = true;
    for (const response of this.#responses) markLast(response);
  }

  /** Destroys every connection, answered or not: the timeout passed. */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
    this.#server.closeAllConnections();
  }

  dispose(): void {
    this.#server.off(this.#connectionEvent, this.#onConnection);
    this.#server.off("request", this.#onRequest);
  }

  readonly #onConnection = (socket: Socket): void => {
    this.#sockets.set(socket, 0);
    socket.once("close", () => this.#sockets.delete(socket));
  };

  readonly #onRequest = (
    request: IncomingMessage,
    response: ServerResponse,
  ): void => {
    const socket = request.socket;
    if (!this.#sockets.has(socket)) this.#onConnection(socket);
    this.#sockets.set(socket, (this.#sockets.get(socket) as number) + 1);
    this.#responses.add(response);
    if (this.#draining) markLast(response);

    response.once("close", () => {
      this.#responses.delete(response);
      const inFlight = (this.#sockets.get(socket) ?? 1) - 1;
      if (this.#sockets.has(socket)) this.#sockets.set(socket, inFlight);

      // a response whose headers went out before shutdown still promised
      // keep-alive: end its connection once nothing else is in flight
      if (this.#draining && inFlight === 0) endSocket(socket);
    });
  };
}

function markLast(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader("Connection", "close");
}

function endSocket(socket: Socket): void {
  if (socket.destroyed || socket.writableEnded) return;
  // flush what was written, then close without waiting for the client
  socket.end(() => socket.destroy());
}

/** Checks that `server` can be drained: an http(s) server, or `null`. */
export function checkServer(server: unknown): ShutdownServer | null {
  if (server === null) return null;

  const candidate = server as Partial<Record<string, unknown>>;
  const isServer = typeof server === "object" &&
    typeof candidate.close === "function" &&
    typeof candidate.prependListener === "function" &&
    typeof candidate.closeIdleConnections === "function";
  if (!isServer) {
    throw new TypeError(
      "gracefulShutdown: server must be an http or https server, or null",
    );
  }
  return server as ShutdownServer;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
