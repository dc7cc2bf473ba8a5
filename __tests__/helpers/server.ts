import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestServer {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Closes the server and every connection it still has. */
  close(): Promise<void>;
}

/** Starts `handler` on a free loopback port. */
export async function startServer(
  handler: http.RequestListener,
): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
