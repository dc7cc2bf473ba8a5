// An Express service with a background sync and a clean shutdown.
//
//   npx tsx examples/poller-shutdown.ts
//   curl localhost:3000/health     # the poller's status
//   curl localhost:3000/ready      # 200, then 503 once shutdown begins
//   Ctrl-C                         # waits for the tick in flight, exits 0
//   Ctrl-C twice                   # exits at once with code 1
import express from "express";
import { setTimeout as sleep } from "node:timers/promises";
import { gracefulShutdown, Poller } from "../lib";

// Stands in for a third-party API: a page of changes takes a while.
async function fetchChanges(signal: AbortSignal): Promise<number> {
  await sleep(1_500, undefined, { signal });
  return Math.floor(Math.random() * 10);
}

let synced = 0;
const sync = new Poller({
  name: "changes",
  interval: 5_000,
  runOnStart: true,
  jitter: 0.1,
  timeout: 4_000,
  fn: async (signal) => {
    synced += await fetchChanges(signal);
  },
});

const app = express();

app.get("/health", (_request, response) => {
  const { consecutiveFailures, lastSuccessAt, state } = sync.status;
  const healthy = consecutiveFailures < 3;
  response.status(healthy ? 200 : 503).json({
    state, consecutiveFailures, lastSuccessAt, synced,
  });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => {
  process.stdout.write(`listening on http://localhost:${port}\n`);
});
const shutdown = gracefulShutdown(server, { timeout: 10_000 });

// a load balancer polls this, and stops routing here once it says 503
app.get("/ready", (_request, response) => {
  response.sendStatus(shutdown.isShuttingDown ? 503 : 200);
});

shutdown.waitFor(sync);
void sync.start(shutdown.signal);
shutdown.addCleanup(() => {
  process.stdout.write(`synced ${synced} changes, bye\n`);
}, "report");
