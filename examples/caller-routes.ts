// Callers injected into Express route handlers, each call bound to the
// incoming request: it forwards the request's X-Request-Id and aborts when
// the client disconnects. Run with `npx tsx examples/caller-routes.ts`; it
// starts a stand-in upstream, the app, makes two requests and exits.
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Caller, HTTPStatusError, provideCallers } from "../lib";

interface Patient {
  id: string;
  account: string;
}

/** A stand-in for a billing and CRM API, flaky on purpose. */
function startUpstream(): Promise<http.Server> {
  let balanceCalls = 0;
  const upstream = http.createServer((req, res) => {
    const requestId = req.headers["x-request-id"] ?? "-";
    process.stdout.write(`upstream: ${req.method} ${req.url} ` +
      `(request id ${requestId})\n`);
    res.setHeader("content-type", "application/json");

    if (req.url?.startsWith("/crm/patients/p_404")) {
      res.statusCode = 404;
      return res.end(JSON.stringify({ error: "no such patient" }));
    }
    if (req.url?.startsWith("/crm/patients/")) {
      return res.end(JSON.stringify({ id: "p_1", account: "acc_9" }));
    }
    // the first balance call meets a 503, which the Caller retries
    balanceCalls += 1;
    if (balanceCalls === 1) {
      res.statusCode = 503;
      return res.end(JSON.stringify({ error: "warming up" }));
    }
    res.end(JSON.stringify({ account: "acc_9", balance: 120.5 }));
  });
  return listen(upstream);
}

function listen(server: http.Server): Promise<http.Server> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function urlOf(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function createApp(upstreamURL: string): express.Express {
  // one Caller per upstream, built once at startup
  const billing = new Caller({
    baseURL: `${upstreamURL}/billing`,
    timeout: 5_000,
    onRetry: (event) => {
      process.stdout.write(`retrying ${event.method} ${event.url} in ` +
        `${event.delay} ms (${event.reason})\n`);
    },
  });
  const crm = new Caller({ baseURL: `${upstreamURL}/crm` });

  const app = express();
  const upstreams = provideCallers({ billing, crm });
  app.use(upstreams);

  app.get("/patients/:id/balance", async (req, res, next) => {
    try {
      const { billing, crm } = upstreams.from(req);
      const patient = await crm.get<Patient>(`/patients/${req.params.id}`);
      res.json(await billing.get("/balance", { account: patient.account }));
    } catch (error) {
      next(error);
    }
  });

  // upstream failures become a 502 without echoing the upstream's text
  app.use((error: unknown, _req: express.Request, res: express.Response,
    _next: express.NextFunction) => {
    const status = error instanceof HTTPStatusError &&
      error.statusCode === 404 ? 404 : 502;
    res.status(status).json({ error: status === 404 ? "not found" :
      "upstream unavailable" });
  });
  return app;
}

async function get(appURL: string, path: string): Promise<string> {
  const res = await fetch(`${appURL}${path}`,
    { headers: { "X-Request-Id": `demo-${path.length}` } });
  return `${res.status} ${await res.text()}`;
}

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const app = await listen(http.createServer(createApp(urlOf(upstream))));

  process.stdout.write(`app: ${await get(urlOf(app),
    "/patients/p_1/balance")}\n`);
  process.stdout.write(`app: ${await get(urlOf(app),
    "/patients/p_404/balance")}\n`);

  app.closeAllConnections();
  upstream.closeAllConnections();
  app.close();
  upstream.close();
}

void main();
