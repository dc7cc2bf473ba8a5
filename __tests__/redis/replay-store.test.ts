import type { Cluster, Redis } from "ioredis";

import {
  redisReplayStore,
  RedisCommandError,
  RedisTimeoutError,
  type RedisClient,
} from "../../lib";
import { redisReplayStoreDefaults } from "../../lib/redis/replay-store";
import { documentedDefaults } from "../helpers/documented-defaults";
import { describeReplayStore } from "../webhook/helpers/replay-store-contract";
import {
  closeClients,
  connectNowhere,
  connectRedis,
  describeWithRedis,
  uniquePrefix,
  useRedis,
  waitFor,
} from "../helpers/redis";

const prefix = uniquePrefix("replay");

afterAll(async () => {
  await closeClients();
});

describe("redisReplayStore()", () => {
  describe("arguments", () => {
    const client = { set: jest.fn(), eval: jest.fn() };

    it("accepts an ioredis Redis and Cluster as its client", () => {
      // a compile-time check: these lines fail the typecheck if the
      // structural RedisClient stops fitting ioredis' own classes
      const fitsRedis = (redis: Redis): RedisClient => redis;
      const fitsCluster = (cluster: Cluster): RedisClient => cluster;
      expect([fitsRedis, fitsCluster]).toHaveLength(2);
    });

    it.each([
      ["a missing client", undefined],
      ["the client class instead of an instance", class Redis {}],
      ["an object without eval()", { set: () => undefined }],
    ])("throws a TypeError naming redis for %s", (_, redis) => {
      expect(() => redisReplayStore(redis as unknown as RedisClient)).toThrow(
        new TypeError(
          "redisReplayStore: option redis must be a client with set() and " +
            "eval(), such as an ioredis Redis or Cluster instance",
        ),
      );
    });

    it.each([
      ["prefix", 42, "a string"],
      ["ttl", 0, "a finite integer above 0"],
      ["ttl", 1.5, "a finite integer above 0"],
      ["ttl", "60000", "a finite integer above 0"],
      ["timeout", -1, "a finite integer above 0"],
      ["processingTtl", 0, "a finite integer above 0"],
      ["logger", console.log, "an object with warn() and error()"],
    ])("throws a TypeError when %s is %p", (name, value, expected) => {
      const options = { [name]: value };
      expect(() => redisReplayStore(client, options)).toThrow(
        new TypeError(`redisReplayStore: option ${name} must be ${expected}`),
      );
    });

    it("throws a TypeError when processingTtl is above ttl", () => {
      expect(() => redisReplayStore(client, { ttl: 1000, processingTtl: 1001 }))
        .toThrow(new TypeError(
          "redisReplayStore: option processingTtl must be at most ttl",
        ));
    });

    it("documents the defaults it uses", () => {
      expect(documentedDefaults("lib/redis/replay-store.ts")).toEqual({
        ...redisReplayStoreDefaults,
        logger: "defaultLogger",
      });
    });
  });

  describeWithRedis("against Redis", () => {
    const redis = useRedis(prefix);
    const isGone = (key: string) => async () =>
      (await redis().exists(key)) === 0;

    describeReplayStore("redisReplayStore()", () =>
      redisReplayStore(redis(), { prefix })
    );

    describe("claim()", () => {
      it("resolves a token for a free id, null for a claimed one", async () => {
        const store = redisReplayStore(redis(), { prefix });

        const token = await store.claim("delivery-1");
        const replay = await store.claim("delivery-1");

        expect(token).toEqual(expect.stringMatching(/^[\da-f-]{36}$/));
        expect(replay).toBeNull();
        expect(await redis().get(`${prefix}delivery-1`)).toBe(token);
      });

      it("gives one of 50 concurrent claims a token", async () => {
        const clients = await Promise.all(
          [1, 2, 3, 4].map(() => connectRedis()),
        );
        const stores = clients.map((client) =>
          redisReplayStore(client, { prefix })
        );

        const claims = await Promise.all(
          Array.from({ length: 50 }, (_, i) => stores[i % 4].claim("burst")),
        );

        expect(claims.filter((token) => token !== null)).toHaveLength(1);
      });

      it("keeps ids apart under different prefixes", async () => {
        const github = redisReplayStore(redis(), { prefix: `${prefix}gh:` });
        const stripe = redisReplayStore(redis(), { prefix: `${prefix}st:` });

        expect(await github.claim("same-id")).not.toBeNull();
        expect(await stripe.claim("same-id")).not.toBeNull();
      });

      it("rejects with RedisCommandError without Redis", async () => {
        const store = redisReplayStore(await connectNowhere(), { prefix });

        const claim = store.claim("delivery-2");

        await expect(claim).rejects.toThrow(RedisCommandError);
        await expect(claim).rejects.toMatchObject({
          code: "ERR_REDIS_COMMAND",
          operation: "claim",
          key: `${prefix}delivery-2`,
          message: `redisReplayStore: claim failed for key ${prefix}delivery-2`,
        });
      });
    });

    describe("with ttl", () => {
      it("stores the claim for ttl milliseconds", async () => {
        const store = redisReplayStore(redis(), { prefix, ttl: 60_000 });

        await store.claim("delivery-3");
        const remaining = await redis().pttl(`${prefix}delivery-3`);

        expect(remaining).toBeGreaterThan(50_000);
        expect(remaining).toBeLessThanOrEqual(60_000);
      });

      it("claims the id again once the claim expired", async () => {
        const store = redisReplayStore(redis(), { prefix, ttl: 50 });
        const first = await store.claim("delivery-4");

        await waitFor(isGone(`${prefix}delivery-4`));
        const second = await store.claim("delivery-4");

        expect(second).not.toBeNull();
        expect(second).not.toBe(first);
      });
    });

    describe("with processingTtl", () => {
      it("holds a claim for processingTtl, a committed one for ttl",
        async () => {
          const store = redisReplayStore(redis(), {
            prefix, ttl: 60_000, processingTtl: 5_000,
          });

          const token = await store.claim("commit-1") as string;
          const processing = await redis().pttl(`${prefix}commit-1`);
          await store.commit!("commit-1", token);
          const committed = await redis().pttl(`${prefix}commit-1`);

          expect(processing).toBeGreaterThan(4_000);
          expect(processing).toBeLessThanOrEqual(5_000);
          expect(committed).toBeGreaterThan(50_000);
          expect(await redis().get(`${prefix}commit-1`)).toBe(token);
        });

      it("lets a claim that was never committed lapse", async () => {
        // a process killed in the middle of its handler neither commits
        // nor releases: the provider's retry must get through soon after
        const store = redisReplayStore(redis(), {
          prefix, ttl: 60_000, processingTtl: 50,
        });
        await store.claim("commit-2");

        await waitFor(isGone(`${prefix}commit-2`));

        expect(await store.claim("commit-2")).not.toBeNull();
      });

      it("leaves alone a claim now held under another token", async () => {
        const lines: string[] = [];
        const logger = {
          warn: (_obj: object, msg: string) => lines.push(msg),
          error: () => undefined,
        };
        const slow = redisReplayStore(redis(), {
          prefix, ttl: 600_000, processingTtl: 50, logger,
        });
        const other = redisReplayStore(redis(), {
          prefix, ttl: 60_000, processingTtl: 20_000,
        });
        const stale = await slow.claim("commit-3") as string;
        await waitFor(isGone(`${prefix}commit-3`));
        const current = await other.claim("commit-3");

        await slow.commit!("commit-3", stale);

        expect(await redis().get(`${prefix}commit-3`)).toBe(current);
        expect(await redis().pttl(`${prefix}commit-3`))
          .toBeLessThanOrEqual(20_000);
        expect(lines).toEqual([
          "replay claim lapsed before its handler succeeded",
        ]);
      });
    });

    describe("with the default prefix", () => {
      it("stores the claim under integration-kit:replay:<id>", async () => {
        const store = redisReplayStore(redis());
        const id = `${prefix}default`;

        const token = await store.claim(id);

        const key = `${redisReplayStoreDefaults.prefix}${id}`;
        expect(await redis().get(key)).toBe(token);
        await redis().del(key);
      });
    });

    describe("with timeout", () => {
      // a client that hands each SET to Redis only after `delay` ms, as a
      // Redis behind a congested link would, and records what Redis said
      function slowClient(delay: number) {
        const replies: ("OK" | null)[] = [];
        const client: RedisClient = {
          set: (...args) =>
            new Promise((resolve, reject) => {
              setTimeout(() => {
                redis().set(...args).then((reply) => {
                  replies.push(reply);
                  resolve(reply);
                }, reject);
              }, delay);
            }),
          eval: (...args) => redis().eval(...args),
        };
        return { client, replies };
      }

      it("rejects with RedisTimeoutError past its deadline", async () => {
        const { client, replies } = slowClient(300);
        const store = redisReplayStore(client, { prefix, timeout: 20 });

        await expect(store.claim("delivery-5")).rejects.toMatchObject({
          name: "RedisTimeoutError",
          code: "ERR_REDIS_TIMEOUT",
          timeout: 20,
          message:
            `redisReplayStore: claim timed out after 20 ms for key ` +
            `${prefix}delivery-5`,
        });
        await waitFor(() => replies.length === 1);
      });

      it("frees a claim that landed after its deadline", async () => {
        const { client, replies } = slowClient(100);
        const store = redisReplayStore(client, { prefix, timeout: 20 });
        const key = `${prefix}delivery-6`;

        await expect(store.claim("delivery-6")).rejects
          .toThrow(RedisTimeoutError);
        await waitFor(() => replies.length === 1);
        await waitFor(isGone(key));

        expect(replies).toEqual(["OK"]);
      });
    });

    describe("release()", () => {
      it("frees the id so that the provider's retry is claimed", async () => {
        const store = redisReplayStore(redis(), { prefix });
        const token = await store.claim("delivery-7");

        await store.release("delivery-7", token as string);

        expect(await store.claim("delivery-7")).not.toBeNull();
      });

      it("leaves alone a claim another token took after expiry", async () => {
        const slow = redisReplayStore(redis(), { prefix, ttl: 50 });
        const other = redisReplayStore(redis(), { prefix });
        const stale = await slow.claim("delivery-8");
        await waitFor(isGone(`${prefix}delivery-8`));
        const current = await other.claim("delivery-8");

        await slow.release("delivery-8", stale as string);

        expect(current).not.toBeNull();
        expect(await redis().get(`${prefix}delivery-8`)).toBe(current);
        expect(await other.claim("delivery-8")).toBeNull();
      });

      it("resolves when the id is not claimed at all", async () => {
        const store = redisReplayStore(redis(), { prefix });

        await expect(store.release("never-claimed", "token")).resolves
          .toBeUndefined();
      });

      it("rejects with RedisCommandError without Redis", async () => {
        const store = redisReplayStore(await connectNowhere(), { prefix });

        await expect(store.release("delivery-9", "token")).rejects
          .toMatchObject({ code: "ERR_REDIS_COMMAND", operation: "release" });
      });
    });
  });
});
