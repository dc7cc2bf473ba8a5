import { performance } from "node:perf_hooks";

import { defaultLogger, type Logger } from "../logger";
import type { PollerLock } from "../poller/lock";
import {
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";
import { checkRedisClient, type RedisClient } from "./client";
import { RedisLockLostError, type LockLossReason } from "./errors";
import { createToken, OwnedKeys } from "./owned-keys";

const SCOPE = "redisLock";

/** Options of {@link redisLock}. */
export interface RedisLockOptions {
  /**
   * How long the lock outlives its last renewal, in milliseconds: the most
   * a replica waits to take over after the holder's process or connection
   * died. The holder renews every `ttl / 3`, and a command that has not
   * answered within `ttl / 3` counts as failed.
   * @default 10_000
   */
  ttl?: number;

  /**
   * Where to log a lock that was lost while held.
   * @default defaultLogger
   */
  logger?: Logger;
}

/** The defaults of {@link RedisLockOptions}, in one place. */
export const redisLockDefaults = {
  ttl: 10_000,
} as const;

/** A {@link PollerLock} in Redis, as {@link redisLock} makes it. */
export interface RedisLock extends PollerLock {
  /** The Redis key the lock lives under. */
  readonly key: string;

  /**
   * Whether this process holds the lock as far as it knows: taken, and not
   * yet released, lost or expired.
   */
  isHeld(): boolean;
}

// One tenure of the lock: from the SET that took it to its loss or release.
interface Tenure {
  token: string;
  controller: AbortController;
  renewTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
}

function normalizeOptions(options: RedisLockOptions = {}) {
  checkOptionsObject(SCOPE, options);

  const ttl = checkNumber(SCOPE, "ttl", options.ttl ?? redisLockDefaults.ttl, {
    positive: true,
    integer: true,
  });
  // below 3 ms the renewal period (ttl / 3) would round down to nothing
  if (ttl < 3) invalidOption(SCOPE, "ttl", "an integer of at least 3");

  return { ttl, logger: checkLogger(SCOPE, options.logger, defaultLogger) };
}

class RedisLeaseLock implements RedisLock {
  readonly key: string;
  readonly #ttl: number;
  readonly #period: number;
  readonly #logger: Logger;
  readonly #keys: OwnedKeys;

  #tenure: Tenure | null = null;
  #pending: Promise<AbortSignal | null> | null = null;
  // bumped by release(), so that an acquire() still in flight when the lock
  // is given up does not take it back afterwards
  #epoch = 0;

  constructor(client: RedisClient, key: string, options?: RedisLockOptions) {
    const { ttl, logger } = normalizeOptions(options);
    this.key = key;
    this.#ttl = ttl;
    this.#period = Math.floor(ttl / 3);
    this.#logger = logger;
    this.#keys = new OwnedKeys(client, SCOPE, this.#period, logger);
  }

  isHeld(): boolean {
    return this.#tenure !== null;
  }

  acquire(): Promise<AbortSignal | null> {
    // concurrent callers share one round trip instead of racing two SETs
    this.#pending ??= this.#acquire().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async release(): Promise<void> {
    this.#epoch += 1;
    const tenure = this.#tenure;
    if (tenure === null) return;

    this.#end(tenure, "released");
    await this.#keys.free(this.key, tenure.token, "release");
  }

  async #acquire(): Promise<AbortSignal | null> {
    const epoch = this.#epoch;

    // held from an earlier tick: confirm it with Redis, which renews it too
    const tenure = this.#tenure;
    if (tenure !== null && await this.#renew(tenure)) {
      return tenure.controller.signal;
    }
    if (epoch !== this.#epoch) return null;

    const token = createToken();
    const sentAt = performance.now();
    const taken = await this.#keys.take(this.key, token, this.#ttl, "acquire");
    if (!taken) return null;

    if (epoch !== this.#epoch) {
      this.#keys.freeInBackground(this.key, token, "release");
      return null;
    }
    const fresh: Tenure = { token, controller: new AbortController() };
    this.#tenure = fresh;
    this.#extend(fresh, sentAt);
    return fresh.controller.signal;
  }

  // Resolves whether `tenure` is still held; ends it when it is not. When
  // Redis fails, the tenure ends too and the error is passed on.
  async #renew(tenure: Tenure): Promise<boolean> {
    const sentAt = performance.now();
    let kept: boolean;
    try {
      kept = await this.#keys.renew(this.key, tenure.token, this.#ttl, "renew");
    } catch (err) {
      this.#end(tenure, "failed", err);
      throw err;
    }

    // ended meanwhile (released, or expired while the reply was on its way)
    if (this.#tenure !== tenure) return false;

    if (!kept) {
      this.#end(tenure, "lost");
      return false;
    }
    this.#extend(tenure, sentAt);
    return true;
  }

  // Schedules the next renewal, and the expiry that ends the tenure if no
  // renewal is confirmed before the key may have expired in Redis. The TTL
  // counts from when the command was sent, not from its reply, since Redis
  // may have set it at any moment in between.
  #extend(tenure: Tenure, sentAt: number): void {
    clearTimeout(tenure.renewTimer);
    clearTimeout(tenure.expiryTimer);

    // note: this process' clock and Redis' may run at slightly different
    // rates; the margin (1% of the TTL and 2 ms) covers that. A process
    // paused for longer than the TTL (a stopped VM, a long GC) can still
    // act on a lock it no longer holds: work that must never overlap needs
    // a fencing token checked by what it writes to.
    const margin = Math.ceil(this.#ttl / 100) + 2;
    const remaining = sentAt + this.#ttl - margin - performance.now();

    tenure.expiryTimer = setTimeout(() => {
      this.#end(tenure, "expired");
    }, Math.max(0, remaining)).unref();

    tenure.renewTimer = setTimeout(() => {
      this.#renew(tenure).catch(() => undefined);
    }, this.#period).unref();
  }

  #end(tenure: Tenure, reason: LockLossReason, cause?: unknown): void {
    if (this.#tenure !== tenure) return;

    this.#tenure = null;
    clearTimeout(tenure.renewTimer);
    clearTimeout(tenure.expiryTimer);
    tenure.controller.abort(new RedisLockLostError(this.key, reason, cause));
    if (reason === "released") return;

    this.#logger.warn(
      { key: this.key, reason, err: cause },
      "redis lock lost while held",
    );

    // failed or expired: the key may still hold this tenure's token, and
    // would then lock every replica out until it expires
    if (reason !== "lost") {
      this.#keys.freeInBackground(this.key, tenure.token, "release");
    }
  }
}

/**
 * A {@link PollerLock} in Redis, so that of several replicas running the
 * same Poller only one runs its ticks. It is taken with
 * `SET <key> <token> NX PX <ttl>` and a random token, then held across
 * ticks: each tick's `acquire()` confirms it, and while it is held it is
 * renewed every `ttl / 3` in the background, so a tick longer than `ttl`
 * keeps it. Renewal and release act only while the key holds this
 * process' token (one Lua script each).
 *
 * When a renewal fails or finds the key taken, the signal handed out for
 * the ticks aborts with a {@link RedisLockLostError} and the lock is
 * dropped; a dead process simply stops renewing. Either way another
 * replica takes over within `ttl`.
 *
 * @param redis an ioredis `Redis` or `Cluster`, or any {@link RedisClient}
 * @param key the Redis key, the same on every replica of one poller
 * @example
 * ```ts
 * const poller = new Poller({
 *   name: "sync-invoices",
 *   interval: 60_000,
 *   lock: redisLock(redis, "locks:sync-invoices", { ttl: 30_000 }),
 *   fn: (signal) => syncInvoices({ signal }),
 * });
 * ```
 */
export function redisLock(
  redis: RedisClient,
  key: string,
  options?: RedisLockOptions,
): RedisLock {
  const client = checkRedisClient(SCOPE, redis);
  if (typeof key !== "string" || key === "") {
    invalidOption(SCOPE, "key", "a non-empty string");
  }
  return new RedisLeaseLock(client, key, options);
}
