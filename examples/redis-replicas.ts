// A service meant to run as several replicas behind a load balancer: its
// webhook receiver refuses a duplicate delivery whichever replica got the
// first one, and its poller's ticks run on one replica at a time. Both
// share the Redis the replicas already use.
//
//   PORT=3001 npx tsx examples/redis-replicas.ts &
//   PORT=3002 npx tsx examples/redis-replicas.ts &
//   # only one of them logs "syncing"; kill it and the other takes over
//   # within the lock's ttl (5 s here)
//
// REDIS_URL picks the Redis (default 127.0.0.1:6379), HOOK_SECRET the
// signing secret.
import express, { type Request, type Response } from "express";
import { Redis } from "ioredis";

// in your app: from "integration-kit"
import {
  gracefulShutdown,
  Poller,
  redisLock,
  redisReplayStore,
  webhook,
} from "../lib";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const port = Number(process.env.PORT ?? 3000);

const app = express();
app.post("/hooks/orders", webhook<Request, Response>({
  secret: process.env.HOOK_SECRET ?? "example-secret",
  // one prefix per provider, so that two providers' ids cannot collide
  replayStore: redisReplayStore(redis, { prefix: "example:hooks:orders:" }),
}, {
  "order.paid": async (_req, res, body, delivery) => {
    process.stdout.write(`${port}: order paid ${delivery.id}\n`);
    res.status(200).json({ received: body.length });
  },
}));

const sync = new Poller({
  name: "sync-orders",
  interval: 2_000,
  runOnStart: true,
  // every replica names the same key; the holder renews it every ttl / 3
  lock: redisLock(redis, "example:locks:sync-orders", { ttl: 5_000 }),
  fn: async (signal) => {
    process.stdout.write(`${port}: syncing\n`);
    // pass `signal` on: it aborts if this replica loses the lock
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (signal.aborted) process.stdout.write(`${port}: lock lost\n`);
  },
});

const server = app.listen(port, () => {
  process.stdout.write(`listening on http://localhost:${port}\n`);
});
const shutdown = gracefulShutdown(server, { timeout: 10_000 });

// on SIGTERM the poller stops and releases its lock, so that another
// replica takes over at its next tick; Redis is closed last
shutdown.waitFor(sync);
void sync.start(shutdown.signal);
shutdown.addCleanup(() => redis.quit(), "redis");
