import { randomUUID } from "node:crypto";

import type { Logger } from "../logger";
import type { RedisClient } from "./client";
import {
  RedisCommandError,
  RedisTimeoutError,
  type RedisOperation,
} from "./errors";

// Both scripts compare the key's value with the caller's token and act only
// when they match, in one step on the server: a GET followed by a DEL from
// the client would let the key expire and be claimed by someone else in
// between, and the DEL would then free that other claim.
const DELETE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

const EXPIRE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

/**
 * A random token naming one claim: 122 random bits, so that no two claims
 * ever share one (a shared token would let one release the other's claim).
 * A UUID rather than `randomBytes()`, which costs several times more per
 * call, enough to halve the claims per second (bench/redis.bench.ts).
 */
export function createToken(): string {
  return randomUUID();
}

/**
 * Sends a command, turning a client that throws instead of rejecting (an
 * adapter, a client already closed) into a rejection like any other.
 */
function send<T>(command: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(command()));
}

/**
 * Keys held under a token: take one if it is free, renew or delete it only
 * while it still holds that token. Every command gets a deadline, so that a
 * Redis that stopped answering turns into an error within `timeout`
 * milliseconds instead of a request or a tick that hangs.
 */
export class OwnedKeys {
  readonly #client: RedisClient;
  readonly #scope: string;
  readonly #timeout: number;
  readonly #logger: Logger;

  constructor(
    client: RedisClient,
    scope: string,
    timeout: number,
    logger: Logger,
  ) {
    this.#client = client;
    this.#scope = scope;
    this.#timeout = timeout;
    this.#logger = logger;
  }

  /**
   * Sets `key` to `token` for `ttl` ms when it is free. Resolves whether it
   * was taken; rejects with a {@link RedisCommandError} when Redis failed.
   */
  async take(
    key: string,
    token: string,
    ttl: number,
    operation: RedisOperation,
  ): Promise<boolean> {
    const pending = send(() =>
      this.#client.set(key, token, "PX", ttl, "NX")
    );
    const reply = await this.#withDeadline(pending, operation, key, () => {
      // a SET that answers after its deadline may still have taken the key,
      // for a caller that has already given up: free it once it lands, or
      // it would refuse every other claimant until it expires
      pending.then(
        (late) => late === "OK" && this.free(key, token, operation),
        () => undefined,
      ).catch((err: unknown) => this.#logUndoFailure(err, key, operation));
    });
    return reply === "OK";
  }

  /** Extends `key` to `ttl` ms from now if it still holds `token`. */
  renew(
    key: string,
    token: string,
    ttl: number,
    operation: RedisOperation,
  ): Promise<boolean> {
    return this.#runIfOwner(EXPIRE_IF_OWNER, operation, key, token, ttl);
  }

  /** Deletes `key` if it still holds `token`; resolves whether it did. */
  free(key: string, token: string, operation: RedisOperation) {
    return this.#runIfOwner(DELETE_IF_OWNER, operation, key, token);
  }

  /**
   * {@link free} for cleanup nobody waits for: a failure is logged, since
   * the key then stays blocked until its TTL runs out.
   */
  freeInBackground(key: string, token: string, operation: RedisOperation) {
    this.free(key, token, operation).catch((err: unknown) => {
      this.#logUndoFailure(err, key, operation);
    });
  }

  // Runs one of the compare-and-act scripts; each replies 1 when it acted.
  async #runIfOwner(
    script: string,
    operation: RedisOperation,
    key: string,
    token: string,
    ...args: number[]
  ): Promise<boolean> {
    const pending = send(() =>
      this.#client.eval(script, 1, key, token, ...args)
    );
    return (await this.#withDeadline(pending, operation, key)) === 1;
  }

  #withDeadline<T>(
    pending: Promise<T>,
    operation: RedisOperation,
    key: string,
    onTimeout?: () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new RedisTimeoutError(
          this.#scope, operation, key, this.#timeout,
        ));
        onTimeout?.();
      }, this.#timeout);

      pending.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(new RedisCommandError(this.#scope, operation, key, {
            cause: err,
          }));
        },
      );
    });
  }

  #logUndoFailure(err: unknown, key: string, operation: RedisOperation) {
    this.#logger.warn(
      { err, scope: this.#scope, key, operation },
      "redis key could not be freed, it stays taken until it expires",
    );
  }
}
