import { defaultLogger, type Logger } from "../logger";
import { checkLogger, checkNumber, invalidOption } from "../validate";
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
   * How long a claimed delivery id is remembered, in milliseconds: a
   * duplicate that arrives later than this is processed again. Make it at
   * least as long as the provider keeps retrying a delivery it thinks
   * failed (its 2xx lost on the way back, say).
   *
   * note: the claim is taken before the handler runs and is only released
   * when the handler fails, so a process that dies in the middle of a
   * handler leaves its claim in place, and the provider's retries are
   * refused as replays until it expires.
   * @default 86_400_000 (24 hours)
   */
  ttl?: number;

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
  timeout: number;
  logger: Logger;
}

/** The defaults of {@link RedisReplayStoreOptions}, in one place. */
export const redisReplayStoreDefaults = {
  prefix: "integration-kit:replay:",
  ttl: 24 * 60 * 60 * 1000,
  timeout: 2_000,
} as const satisfies Partial<NormalizedOptions>;

function normalizeOptions(
  options: RedisReplayStoreOptions = {},
): NormalizedOptions {
  if (typeof options !== "object" || options === null) {
    invalidOption(SCOPE, "options", "an object");
  }

  const prefix = options.prefix ?? redisReplayStoreDefaults.prefix;
  if (typeof prefix !== "string") {
    invalidOption(SCOPE, "prefix", "a string");
  }

  // PX takes whole milliseconds: a fractional ttl would be refused by
  // Redis on every claim, so it is refused here, once
  const number = { positive: true, integer: true } as const;
  return {
    prefix,
    ttl: checkNumber(
      SCOPE, "ttl", options.ttl ?? redisReplayStoreDefaults.ttl, number,
    ),
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
 * A claim is `SET <prefix><id> <token> NX PX <ttl>` with a random token,
 * atomic on the server, so of many concurrent duplicates exactly one gets
 * the token. A release deletes the key only while it still holds that
 * token (one Lua script), so a handler that ran longer than `ttl` cannot
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
  const { prefix, ttl, timeout, logger } = normalizeOptions(options);
  const keys = new OwnedKeys(client, SCOPE, timeout, logger);

  return {
    async claim(id: string): Promise<string | null> {
      const token = createToken();
      const taken = await keys.take(prefix + id, token, ttl, "claim");
      return taken ? token : null;
    },

    async release(id: string, token: string): Promise<void> {
      await keys.free(prefix + id, token, "release");
    },
  };
}
