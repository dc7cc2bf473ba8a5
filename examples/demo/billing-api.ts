// A stand-in for a third-party billing API, on a local port. It is
// deliberately unreliable, as real upstreams are now and then: the first
// attempt at each invoice gets a 503 with Retry-After, and the second of
// every three settlements queries fails with a 500.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface BillingAPI {
  url: string;
  close(): Promise<void>;
}

export async function startBillingAPI(): Promise<BillingAPI> {
  const attempts = new Map<string, number>();
  let invoices = 0;
  let queries = 0;

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };

    if (req.method === "POST" && req.url === "/invoices") {
      // keyed by the Idempotency-Key the Caller sends on every attempt
      const key = String(req.headers["idempotency-key"]);
      const seen = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, seen);
      if (seen === 1) {
        reply(503, { error: "busy" }, { "retry-after": "1" });
        return;
      }
      invoices += 1;
      reply(201, { invoice_id: `inv_${1000 + invoices}` });
      return;
    }

    if (req.method === "GET" && req.url?.startsWith("/settlements")) {
      queries += 1;
      if (queries % 3 === 2) {
        reply(500, { error: "settlement ledger unavailable" });
        return;
      }
      reply(200, { pending: invoices, checked: queries });
      return;
    }

    reply(404, { error: "no such route" });
  });

  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
