import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client socket the request went out on. */
  socket: Socket;
}

/** GETs `url` (http or https) through `agent`; reads the whole reply. */
export function get(url: string, agent: http.Agent): Promise<Reply> {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { agent }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => { body += chunk; });
      response.on("end", () => resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body,
        socket: request.socket as Socket,
      }));
    });
    request.on("error", reject);
  });
}

/** Resolves once `socket` has closed. */
export function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/** A keep-alive agent with a single socket, so requests share it. */
export function keepAliveAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}
