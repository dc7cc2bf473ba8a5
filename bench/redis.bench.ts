// What the Redis-backed replay store and lock add to the commands they
// send: each operation against the bare ioredis command it wraps, measured
// in the same run on the same connection, with 32 operations in flight
// unless said otherwise.
// `npm run bench -- redis` runs it; REDIS_URL picks the server.
import { performance } from "node:perf_hooks";

import { Redis } from "ioredis";

import { redisLock, redisReplayStore, silentLogger } from "../lib";

const ROUNDS = 11;
const ROUND_MS = 300;
const IN_FLIGHT = 32;
const prefix = `integration-kit-bench:${process.pid}:`;

const EXPIRE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

const DELETE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

type Operation = (n: number) => Promise<unknown>;

// Runs `operation` with `inFlight` calls outstanding for `ms`; ops/s.
async function rate(
  operation: Operation,
  inFlight: number,
  ms: number,
): Promise<number> {
  let done = 0;
  const started = performance.now();
  const deadline = started + ms;

  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      await operation(done);
      done += 1;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printRow(name: string, value: string): void {
  console.log(`| ${name.padEnd(44)} | ${value.padStart(9)} |`);
}

// The machine is shared: baseline and measured run in alternating rounds,
// so that a burst of load elsewhere hits both, and the medians are kept.
async function compare(
  baseline: [name: string, operation: Operation],
  measured: [name: string, operation: Operation],
  inFlight = IN_FLIGHT,
): Promise<void> {
  const rates: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round += 1) {
    rates[0].push(await rate(baseline[1], inFlight, ROUND_MS));
    rates[1].push(await rate(measured[1], inFlight, ROUND_MS));
  }

  const [base, value] = rates.map(median);
  printRow(baseline[0], Math.round(base).toLocaleString("en-US"));
  printRow(measured[0], Math.round(value).toLocaleString("en-US"));
  printRow("ratio", (value / base).toFixed(2));
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  // every key written expires within a minute: nothing to clean up after
  const store = redisReplayStore(redis, {
    prefix: `${prefix}store:`,
    ttl: 60_000,
  });
  const sha = (await redis.script("LOAD", DELETE_IF_OWNER)) as string;

  printRow("operation", "ops/s");
  printRow("-".repeat(44), "-".repeat(9));

  // claims of fresh ids: every one is a successful SET NX PX
  await compare(
    ["SET NX PX (ioredis, baseline)", (n) =>
      redis.set(`${prefix}raw:${n}`, "token", "PX", 60_000, "NX")],
    ["redisReplayStore().claim()", (n) => store.claim(String(n))],
  );

  // releases of ids never claimed: the script's GET finds nothing
  await compare(
    ["EVAL compare-and-delete (ioredis, baseline)", (n) =>
      redis.eval(DELETE_IF_OWNER, 1, `${prefix}none:${n}`, "token")],
    ["redisReplayStore().release()", (n) =>
      store.release(`none:${n}`, "token")],
  );

  // what caching the script on the server (EVALSHA) would gain
  await compare(
    ["EVAL compare-and-delete (baseline)", (n) =>
      redis.eval(DELETE_IF_OWNER, 1, `${prefix}none:${n}`, "token")],
    ["EVALSHA compare-and-delete", (n) =>
      redis.evalsha(sha, 1, `${prefix}none:${n}`, "token")],
  );

  // held locks confirmed as on every tick: one compare-and-pexpire each.
  // A poller never overlaps its own acquire() calls (and concurrent ones
  // share a round trip), so each of the IN_FLIGHT workers has its own lock
  const locks = Array.from({ length: IN_FLIGHT }, (_, i) =>
    redisLock(redis, `${prefix}lock:${i}`, { logger: silentLogger })
  );
  const signals = await Promise.all(locks.map((lock) => lock.acquire()));
  const tokens = await Promise.all(locks.map((lock) => redis.get(lock.key)));
  let worker = 0;
  const nextWorker = () => (worker = (worker + 1) % IN_FLIGHT);
  await compare(
    ["EVAL compare-and-pexpire (ioredis, baseline)", () => {
      const i = nextWorker();
      return redis.eval(
        EXPIRE_IF_OWNER, 1, locks[i].key, tokens[i] ?? "", 10_000,
      );
    }],
    ["redisLock().acquire() while held", async () => {
      const i = nextWorker();
      if ((await locks[i].acquire()) !== signals[i]) {
        throw new Error("bench: lock lost");
      }
    }],
  );

  await Promise.all(locks.map((lock) => lock.release()));
  await redis.quit();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
