import {
  redisLock,
  RedisCommandError,
  RedisLockLostError,
  RedisTimeoutError,
  type Logger,
  type RedisClient,
} from "../../lib";
import { redisLockDefaults } from "../../lib/redis/lock";
import { documentedDefaults } from "../helpers/documented-defaults";
import {
  closeClients,
  connectNowhere,
  connectRedis,
  describeWithRedis,
  uniquePrefix,
  useRedis,
  waitFor,
} from "../helpers/redis";

const prefix = uniquePrefix("lock");

function recordingLogger() {
  return { warn: jest.fn(), error: jest.fn() } satisfies Logger;
}

// Resolves the reason an AbortSignal aborts with.
function whenAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    signal.addEventListener("abort", () => resolve(signal.reason), {
      once: true,
    });
  });
}

afterAll(async () => {
  await closeClients();
});

describe("redisLock()", () => {
  describe("arguments", () => {
    const client = { set: jest.fn(), eval: jest.fn() };

    it("throws a TypeError naming redis when it is not a client", () => {
      expect(() => redisLock({} as RedisClient, "key")).toThrow(
        /^redisLock: option redis must be a client with set\(\) and eval\(\)/,
      );
    });

    it.each([[""], [42], [undefined]])(
      "throws a TypeError when key is %p",
      (key) => {
        expect(() => redisLock(client, key as string)).toThrow(
          new TypeError("redisLock: option key must be a non-empty string"),
        );
      },
    );

    it.each([
      ["ttl", 0, "a finite integer above 0"],
      ["ttl", 2.5, "a finite integer above 0"],
      ["ttl", 2, "an integer of at least 3"],
      ["logger", {}, "an object with warn() and error()"],
    ])("throws a TypeError when %s is %p", (name, value, expected) => {
      expect(() => redisLock(client, "key", { [name]: value })).toThrow(
        new TypeError(`redisLock: option ${name} must be ${expected}`),
      );
    });

    it("documents the defaults it uses", () => {
      expect(documentedDefaults("lib/redis/lock.ts")).toEqual({
        ...redisLockDefaults,
        logger: "defaultLogger",
      });
    });
  });

  describeWithRedis("against Redis", () => {
    const redis = useRedis(prefix);
    let keyCount = 0;
    const nextKey = () => `${prefix}${(keyCount += 1)}`;
    const silent = { logger: recordingLogger() };

    describe("acquire()", () => {
      it("resolves a signal when free and null while held", async () => {
        const key = nextKey();
        const leader = redisLock(redis(), key, silent);
        const follower = redisLock(redis(), key, silent);

        const signal = await leader.acquire();
        const refused = await follower.acquire();

        expect(signal).toBeInstanceOf(AbortSignal);
        expect(signal?.aborted).toBe(false);
        expect(refused).toBeNull();
        expect(leader.isHeld()).toBe(true);
        expect(follower.isHeld()).toBe(false);
        await leader.release();
      });

      it("resolves the same signal on every tick it holds", async () => {
        const lock = redisLock(redis(), nextKey(), silent);

        const first = await lock.acquire();
        const second = await lock.acquire();

        expect(second).toBe(first);
        await lock.release();
      });

      it("renews the key each time it confirms the lock", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, { ...silent, ttl: 60_000 });
        await lock.acquire();
        await redis().pexpire(key, 1_000);

        await lock.acquire();

        expect(await redis().pttl(key)).toBeGreaterThan(50_000);
        await lock.release();
      });

      it("gives the lock to one of five connections at once", async () => {
        const key = nextKey();
        const clients = await Promise.all(
          [1, 2, 3, 4, 5].map(() => connectRedis()),
        );
        const locks = clients.map((client) => redisLock(client, key, silent));

        const signals = await Promise.all(locks.map((lock) => lock.acquire()));

        expect(signals.filter((signal) => signal !== null)).toHaveLength(1);
        await Promise.all(locks.map((lock) => lock.release()));
      });

      it("takes the lock once the holder released it", async () => {
        const key = nextKey();
        const leader = redisLock(redis(), key, silent);
        const follower = redisLock(redis(), key, silent);
        await leader.acquire();

        await leader.release();

        expect(await follower.acquire()).toBeInstanceOf(AbortSignal);
        await follower.release();
      });

      it("takes the lock again after losing it to a free key", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, silent);
        const lost = await lock.acquire();
        await redis().del(key);

        const taken = await lock.acquire();

        expect(lost?.aborted).toBe(true);
        expect(taken).not.toBe(lost);
        expect(taken?.aborted).toBe(false);
        await lock.release();
      });

      it("rejects with RedisCommandError without Redis", async () => {
        const key = nextKey();
        const lock = redisLock(await connectNowhere(), key, silent);

        await expect(lock.acquire()).rejects.toMatchObject({
          name: "RedisCommandError",
          code: "ERR_REDIS_COMMAND",
          operation: "acquire",
          key,
        });
        expect(lock.isHeld()).toBe(false);
      });
    });

    describe("renewal", () => {
      it("keeps the lock of a holder that runs past its ttl", async () => {
        const key = nextKey();
        const leader = redisLock(redis(), key, { ...silent, ttl: 900 });
        const follower = redisLock(redis(), key, silent);
        const signal = await leader.acquire();
        const started = Date.now();

        // no tick confirms it meanwhile: only the background renewal does
        let refusals = 0;
        await waitFor(async () => {
          if ((await follower.acquire()) === null) refusals += 1;
          return Date.now() - started > 2_000;
        }, { every: 50 });

        expect(signal?.aborted).toBe(false);
        expect(follower.isHeld()).toBe(false);
        expect(refusals).toBeGreaterThan(10);
        await leader.release();
      });

      it("aborts the signal as lost when the key was taken", async () => {
        const key = nextKey();
        const logger = recordingLogger();
        const lock = redisLock(redis(), key, { ttl: 300, logger });
        const signal = await lock.acquire();

        await redis().set(key, "someone-else");
        const reason = await whenAborted(signal as AbortSignal);

        expect(reason).toBeInstanceOf(RedisLockLostError);
        expect(reason).toMatchObject({
          code: "ERR_REDIS_LOCK_LOST",
          reason: "lost",
          key,
          message:
            `redis lock: lock on key ${key} was found expired or taken by ` +
            "another holder",
        });
        expect(lock.isHeld()).toBe(false);
        expect(logger.warn).toHaveBeenCalledWith(
          expect.objectContaining({ key, reason: "lost" }),
          "redis lock lost while held",
        );
        expect(await redis().get(key)).toBe("someone-else");
      });

      it("aborts the signal when a renewal hangs ttl / 3", async () => {
        const key = nextKey();
        let isStalled = false;
        const stalling: RedisClient = {
          set: (...args) => redis().set(...args),
          eval: (...args) =>
            isStalled ? new Promise(() => undefined) : redis().eval(...args),
        };
        // a ttl roomy enough that the renewal's deadline (at 2/3 ttl) comes
        // well before the lock's own expiry even on a loaded machine
        const lock = redisLock(stalling, key, { ...silent, ttl: 1_500 });
        const signal = await lock.acquire();

        isStalled = true;
        const reason = await whenAborted(signal as AbortSignal);

        expect(reason).toMatchObject({ reason: "failed" });
        expect((reason as Error).cause).toBeInstanceOf(RedisTimeoutError);
        expect((reason as Error).cause).toMatchObject({ timeout: 500 });
      });

      it("frees the key after a renewal that answered too late", async () => {
        const key = nextKey();
        // every eval reaches Redis 150 ms late, in the order it was sent,
        // and what each replied is kept
        let delay = 0;
        const replies: { freed: boolean; reply: unknown }[] = [];
        const lagging: RedisClient = {
          set: (...args) => redis().set(...args),
          eval: (script, ...args) =>
            new Promise((resolve, reject) => {
              setTimeout(() => {
                redis().eval(script, ...args).then((reply) => {
                  replies.push({ freed: script.includes("DEL"), reply });
                  resolve(reply);
                }, reject);
              }, delay);
            }),
        };
        const lock = redisLock(lagging, key, { ...silent, ttl: 300 });
        const signal = await lock.acquire();

        delay = 150;
        const reason = await whenAborted(signal as AbortSignal);
        await waitFor(() => replies.some((entry) => entry.freed));

        expect(reason).toMatchObject({ reason: "failed" });
        expect(replies).toContainEqual({ freed: false, reply: 1 });
        expect(replies).toContainEqual({ freed: true, reply: 1 });
        expect(await redis().exists(key)).toBe(0);
      });

      it("aborts the signal as expired after a stall past ttl", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, { ...silent, ttl: 100 });
        const signal = await lock.acquire();

        // block the event loop, as a long synchronous task or a GC pause
        // would: renewal and expiry both come due while it is blocked
        const until = Date.now() + 150;
        while (Date.now() < until);
        const reason = await whenAborted(signal as AbortSignal);

        expect(reason).toMatchObject({ reason: "expired" });
        expect(lock.isHeld()).toBe(false);
      });

      it("lets another take over within ttl of a killed link", async () => {
        const key = nextKey();
        const ttl = 1_000;
        const doomed = await connectRedis({ retryStrategy: () => null });
        const leader = redisLock(doomed, key, { ...silent, ttl });
        const follower = redisLock(redis(), key, { ...silent, ttl });
        const signal = await leader.acquire();
        const id = await doomed.client("ID");

        const killedAt = Date.now();
        await redis().client("KILL", "ID", String(id));
        await waitFor(async () => (await follower.acquire()) !== null, {
          every: 25,
        });
        const tookOverAfter = Date.now() - killedAt;

        expect(tookOverAfter).toBeLessThanOrEqual(ttl + 250);
        expect(await whenAborted(signal as AbortSignal)).toMatchObject({
          reason: "failed",
        });
        expect((signal?.reason as Error).cause)
          .toBeInstanceOf(RedisCommandError);
        await follower.release();
      });
    });

    describe("release()", () => {
      it("deletes the key and aborts the signal as released", async () => {
        const key = nextKey();
        const logger = recordingLogger();
        const lock = redisLock(redis(), key, { logger });
        const signal = await lock.acquire();

        await lock.release();

        expect(await redis().exists(key)).toBe(0);
        expect(signal?.reason).toMatchObject({ reason: "released" });
        expect(lock.isHeld()).toBe(false);
        expect(logger.warn).not.toHaveBeenCalled();
      });

      it("does nothing when called twice or before any acquire()", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, silent);
        await redis().set(key, "someone-else");

        await lock.release();
        await lock.release();

        expect(await redis().get(key)).toBe("someone-else");
      });

      it("leaves the key alone when another holder has taken it", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, silent);
        await lock.acquire();
        await redis().set(key, "someone-else");

        await lock.release();

        expect(await redis().get(key)).toBe("someone-else");
      });

      it("keeps an acquire() in flight from taking the lock back", async () => {
        const key = nextKey();
        const lock = redisLock(redis(), key, silent);

        const acquiring = lock.acquire();
        await lock.release();

        expect(await acquiring).toBeNull();
        expect(lock.isHeld()).toBe(false);
        await waitFor(async () => (await redis().exists(key)) === 0);
      });
    });
  });
});
