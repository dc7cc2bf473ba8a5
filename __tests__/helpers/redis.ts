import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import type { AddressInfo } from "node:net";

import { Redis, type RedisOptions } from "ioredis";

/** The Redis the tests run against: `REDIS_URL`, or the local default. */
export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

// Asks Redis for a PONG from a child process, synchronously, because jest
// must know whether to skip a describe() block while it collects the tests,
// before any async hook could run.
function probeRedis(): boolean {
  const script = `
    const { Redis } = require("ioredis");
    const redis = new Redis(process.argv[1], {
      lazyConnect: true, connectTimeout: 1000,
      maxRetriesPerRequest: 0, retryStrategy: () => null,
    });
    redis.on("error", () => undefined);
    redis.connect().then(() => redis.ping()).then(
      (reply) => process.exit(reply === "PONG" ? 0 : 1),
      () => process.exit(1),
    );`;
  try {
    execFileSync(process.execPath, ["-e", script, redisUrl], {
      stdio: "ignore",
      timeout: 5_000,
    });
    return true;
  } catch {
    return false;
  }
}

const isRedisUp = probeRedis();

if (!isRedisUp && process.env.CI) {
  throw new Error(
    `no Redis answers at ${redisUrl}, and CI is set: the Redis tests ` +
      "must run there (.ci/run starts redis-server when none is running)",
  );
}

if (!isRedisUp) {
  process.stderr.write(
    `Redis tests skipped: no Redis answers at ${redisUrl}. Start one with ` +
      "`redis-server --daemonize yes`, or point REDIS_URL at one.\n",
  );
}

/** `describe`, skipped (with a message saying why) when no Redis answers. */
export const describeWithRedis = isRedisUp ? describe : describe.skip;

/**
 * A key prefix no other test run shares, so that runs in parallel (and
 * leftovers of a crashed run) never meet.
 */
export function uniquePrefix(label: string): string {
  return `integration-kit-test:${label}:${randomBytes(6).toString("hex")}:`;
}

const clients = new Set<Redis>();

/**
 * A connected client to {@link redisUrl}, closed by {@link closeClients}.
 * Commands fail at once while it is disconnected, rather than waiting in
 * ioredis' offline queue, so that a test about a lost connection is quick.
 */
export async function connectRedis(options: RedisOptions = {}) {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    ...options,
  });
  redis.on("error", () => undefined);
  clients.add(redis);
  await redis.connect();
  return redis;
}

/** A client to a port nothing listens on, that never reconnects. */
export async function connectNowhere(): Promise<Redis> {
  const port = await closedPort();
  const redis = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  clients.add(redis);
  return redis;
}

/** A loopback port that was free a moment ago and has nothing bound. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/**
 * For a describe() block: connects before its tests and, after them,
 * deletes every key under `prefix`. Returns a getter for the client.
 */
export function useRedis(prefix: string): () => Redis {
  let redis: Redis | undefined;

  beforeAll(async () => {
    redis = await connectRedis();
  });

  afterAll(async () => {
    if (redis) await deleteKeys(redis, prefix);
  });

  return () => {
    if (!redis) throw new Error("useRedis: used outside of a test");
    return redis;
  };
}

/** Disconnects every client made by {@link connectRedis}. */
export async function closeClients(): Promise<void> {
  const closing = [...clients].map(async (redis) => {
    if (redis.status === "end") return;
    await redis.quit().catch(() => redis.disconnect());
  });
  clients.clear();
  await Promise.all(closing);
}

/** Resolves once `check` resolves true, polling every `every` ms. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { timeout = 10_000, every = 20 } = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
