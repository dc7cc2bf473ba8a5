// One webhook endpoint for bench/webhook.bench.ts, chosen by argv[2]:
//   baseline  Express + express.raw() + createHmac + timingSafeEqual
//   kit       integration-kit's webhook() with its default scheme
//   octokit   @octokit/webhooks' createNodeMiddleware
// Prints the port it listens on, then serves until killed. Asked "usage"
// over IPC, it answers the CPU time it has used and the requests it has
// served, so that the bench can tell the cost of a delivery apart from
// the machine's load.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import { webhook } from "../lib";

export const BENCH_SECRET = "bench-secret-of-reasonable-length";

/** What the server answers to "usage": its CPU time and requests so far. */
export interface ServerUsage {
  cpuMicros: number;
  served: number;
}
const LIMIT = 2 * 1024 * 1024;

function baseline(): express.Express {
  const app = express();
  const key = Buffer.from(BENCH_SECRET);

  app.post("/hooks", express.raw({ type: () => true, limit: LIMIT }), (req, res) => {
    const header = req.get("x-hub-signature-256") ?? "";
    const given = Buffer.from(header.replace(/^sha256=/, ""), "hex");
    const expected = createHmac("sha256", key).update(req.body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).end();
      return;
    }
    res.status(200).end();
  });
  return app;
}

function kit(): express.Express {
  const app = express();
  app.use(
    "/hooks",
    // the handler answers nothing: the receiver's own 200 is measured
    webhook({ secret: BENCH_SECRET, maxBodyBytes: LIMIT }, {
      push: () => undefined,
    }),
  );
  return app;
}

async function octokit(): Promise<express.Express> {
  // an ES module only: imported, not required
  const { Webhooks, createNodeMiddleware } = await import("@octokit/webhooks");
  const app = express();
  const webhooks = new Webhooks({ secret: BENCH_SECRET });
  webhooks.on("push", () => undefined);
  app.use(createNodeMiddleware(webhooks, { path: "/hooks" }));
  return app;
}

const factories = { baseline, kit, octokit };

if (require.main === module) {
  const kind = process.argv[2] as keyof typeof factories;
  void Promise.resolve(factories[kind]()).then((app) => {
    let served = 0;
    const server = app.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      process.stdout.write(`${port}\n`);
    });
    server.on("request", () => {
      served += 1;
    });
    process.on("message", (message) => {
      if (message !== "usage") return;
      const { user, system } = process.cpuUsage();
      const usage: ServerUsage = { cpuMicros: user + system, served };
      process.send?.(usage);
    });
  });
}
