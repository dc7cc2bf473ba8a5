import http from "node:http";
import { startServer, type TestServer } from "../helpers/server";
import { silentLogger } from "../../lib/logger";
import type { CallerOptions } from "../../lib/caller/options";

/** One request as the upstream saw it. */
export interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body bytes as received. */
  raw: Buffer;
}

export interface Upstream extends TestServer {
  hits: Hit[];
  /** Resolves when the upstream has seen `count` requests. */
  waitForHits(count: number): Promise<void>;
}

type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  hit: Hit,
) => void;

/** A loopback upstream that records every request before handling it. */
export async function startUpstream(handler: Handler): Promise<Upstream> {
  const hits: Hit[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const hit = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        raw: Buffer.concat(chunks),
      };
      hits.push(hit);
      for (const waiter of waiters.filter((w) => hits.length >= w.count)) {
        waiter.resolve();
      }
      handler(req, res, hit);
    });
  });

  return Object.assign(server, {
    hits,
    waitForHits: (count: number) =>
      hits.length >= count ? Promise.resolve() :
        new Promise<void>((resolve) => waiters.push({ count, resolve })),
  });
}

/** Sends `body` as JSON with `status`. */
export function sendJSON(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Caller options for tests: silent, and no waiting between attempts. */
export function testOptions(
  upstream: { url: string },
  options: CallerOptions = {},
): CallerOptions {
  return {
    baseURL: upstream.url,
    logger: silentLogger,
    backoff: () => 0,
    ...options,
  };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to reject");
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
