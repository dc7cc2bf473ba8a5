import { defaultLogger, type Logger } from "../logger";
import {
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";
import type { ReplayStore } from "../webhook/replay-store";
import { checkRedisClient, type RedisClient } from "./client";
import { createToken, OwnedKeys } from "./owned-keys";

const SCOPE = "redisReplayStore";

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /**
   * Put before every delivery id to make its Redis key. Give each receiver
   * its own prefix when several share one Redis (one per provider, say), so
   * that two providers' ids cannot collide.
   * @default "integration-kit:replay:"
   */
  prefix?: string;

  /**
   * How long a handled delivery id is remembered, in milliseconds: a
   * duplicate that arrives later than this is processed again. Make it at
   * least as long as the provider keeps retrying a delivery it thinks
   * failed (its 2xx lost on the way back, say).
   * @default 86_400_000 (24 hours)
   */
  ttl?: number;

  /**
   * How long a claim is held while its handler runs, in milliseconds, at
   * most `ttl`. The receiver commits the claim for the full `ttl` once the
   * handler succeeds, and releases it when the handler fails; a process
   * that dies in between does neither, and its claim then lapses after
   * this time, so that the provider's next retry is processed instead of
   * being refused as a replay for a day. Make it longer than the slowest
   * handler: a duplicate that arrives after it, while the first delivery
   * is still being handled, is processed again.
   * @default 300_000 (5 minutes)
   */
  processingTtl?: number;

  /**
   * How long a claim or a release may wait for Redis, in milliseconds,
   * before it counts as failed. Keep it well below the provider's delivery
   * timeout, so that a Redis that stopped answering turns into a 500 the
   * provider retries rather than a request it abandons.
   * @default 2_000
   */
  timeout?: number;

  /**
   * Where to log a claim that could not be undone after its deadline.
   * @default defaultLogger
   */
  logger?: Logger;
}

interface NormalizedOptions {
  prefix: string;
  ttl: number;
  processingTtl: number;
  timeout: number;
  logger: Logger;
}

/** The defaults of {@link RedisReplayStoreOptions}, in one place. */
export const redisReplayStoreDefaults = {
  prefix: "integration-kit:replay:",
  ttl: 24 * 60 * 60 * 1000,
  processingTtl: 5 * 60 * 1000,
  timeout: 2_000,
} as const satisfies Partial<NormalizedOptions>;

function normalizeOptions(
  options: RedisReplayStoreOptions = {},
): NormalizedOptions {
  checkOptionsObject(SCOPE, options);

  const prefix = options.prefix ?? redisReplayStoreDefaults.prefix;
  if (typeof prefix !== "string") {
    invalidOption(SCOPE, "prefix", "a string");
  }

  // PX takes whole milliseconds: a fractional ttl would be refused by
  // Redis on every claim, so it is refused here, once
  const number = { positive: true, integer: true } as const;
  const ttl = checkNumber(
    SCOPE, "ttl", options.ttl ?? redisReplayStoreDefaults.ttl, number,
  );
  // an explicit ttl below the default processing time shortens both
  const processingTtl = checkNumber(
    SCOPE,
    "processingTtl",
    options.processingTtl ?? Math.min(redisReplayStoreDefaults.processingTtl,
      ttl),
    number,
  );
  if (processingTtl > ttl) {
    invalidOption(SCOPE, "processingTtl", "at most ttl");
  }

  return {
    prefix,
    ttl,
    processingTtl,
    timeout: checkNumber(
      SCOPE,
      "timeout",
      options.timeout ?? redisReplayStoreDefaults.timeout,
      number,
    ),
    logger: checkLogger(SCOPE, options.logger, defaultLogger),
  };
}

/**
 * A {@link ReplayStore} in Redis, shared by every replica of a webhook
 * receiver: a delivery claimed on one replica is refused as a replay on all
 * the others.
 *
 * A claim is `SET <prefix><id> <token> NX PX <processingTtl>` with a
 * random token, atomic on the server, so of many concurrent duplicates
 * exactly one gets the token. A commit extends the key to `ttl` and a
 * release deletes it, each only while the key still holds that token (one
 * Lua script), so a handler that ran longer than its claim cannot extend or
 * free a claim another replica has taken since.
 *
 * @param redis an ioredis `Redis` or `Cluster`, or any {@link RedisClient}
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * app.post("/hooks/github", webhook({
 *   preset: "github",
 *   secret: process.env.GITHUB_WEBHOOK_SECRET,
 *   replayStore: redisReplayStore(redis, { prefix: "hooks:github:" }),
 * }, {
 *   push: async (req, res, body) => { await enqueue(body); },
 * }));
 * ```
 */
export function redisReplayStore(
  redis: RedisClient,
  options?: RedisReplayStoreOptions,
): ReplayStore {
  const client = checkRedisClient(SCOPE, redis);
  const { prefix, ttl, processingTtl, timeout, logger } =
    normalizeOptions(options);
  const keys = new OwnedKeys(client, SCOPE, timeout, logger);

  return {
    async claim(id: string): Promise<string | null> {
      const token = createToken();
      const taken = await keys.take(
        prefix + id, token, processingTtl, "claim",
      );
      return taken ? token : null;
    },

    async commit(id: string, token: string): Promise<void> {
      const kept = await keys.renew(prefix + id, token, ttl, "commit");
      if (!kept) {
        logger.warn({ key: prefix + id, processingTtl },
          "replay claim lapsed before its handler succeeded");
      }
    },

    async release(id: string, token: string): Promise<void> {
      await keys.free(prefix + id, token, "release");
    },
  };
}
