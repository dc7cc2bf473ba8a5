import { IntegrationKitError } from "../errors";

/** What a Redis command was doing for integration-kit when it failed. */
export type RedisOperation =
  | "claim"
  | "commit"
  | "release"
  | "acquire"
  | "renew";

/**
 * A Redis command sent by the replay store or the lock failed: the client
 * rejected it (connection refused, offline queue full, a reply error), and
 * the error it gave is the `cause`.
 */
export class RedisCommandError extends IntegrationKitError {
  /** The step that failed: `claim`, `release`, `acquire` or `renew`. */
  readonly operation: RedisOperation;
  /** The Redis key the command was about. */
  readonly key: string;

  constructor(
    scope: string,
    operation: RedisOperation,
    key: string,
    options?: { cause?: unknown; code?: string; detail?: string },
  ) {
    const detail = options?.detail ?? "failed";
    super(
      `${scope}: ${operation} ${detail} for key ${key}`,
      options?.code ?? "ERR_REDIS_COMMAND",
      options,
    );
    this.operation = operation;
    this.key = key;
  }
}

/**
 * A Redis command did not answer within its deadline. It may still be
 * applied later; the replay store and the lock undo a late claim, so that
 * it cannot block the key until it expires.
 */
export class RedisTimeoutError extends RedisCommandError {
  /** The deadline that passed, in milliseconds. */
  readonly timeout: number;

  constructor(
    scope: string,
    operation: RedisOperation,
    key: string,
    timeout: number,
  ) {
    super(scope, operation, key, {
      code: "ERR_REDIS_TIMEOUT",
      detail: `timed out after ${timeout} ms`,
    });
    this.timeout = timeout;
  }
}

/**
 * Why a held lock stopped being held: `lost` when Redis no longer has the
 * key under this holder's token (it expired, or another holder has it now),
 * `failed` when a renewal could not reach Redis, `expired` when no renewal
 * was confirmed within the TTL, `released` when it was given up.
 */
export type LockLossReason = "lost" | "failed" | "expired" | "released";

const LOSS_DETAILS: Record<LockLossReason, string> = {
  lost: "was found expired or taken by another holder",
  failed: "could not be renewed",
  expired: "expired before a renewal was confirmed",
  released: "was released",
};

/**
 * The reason of the `AbortSignal` a lock handed out, once the lock is no
 * longer held: work that checks the signal should stop, since another
 * replica may be doing it by now.
 */
export class RedisLockLostError extends IntegrationKitError {
  /** The lock's Redis key. */
  readonly key: string;
  /** Why the lock is no longer held. */
  readonly reason: LockLossReason;

  constructor(key: string, reason: LockLossReason, cause?: unknown) {
    super(
      `redis lock: lock on key ${key} ${LOSS_DETAILS[reason]}`,
      "ERR_REDIS_LOCK_LOST",
      cause === undefined ? undefined : { cause },
    );
    this.key = key;
    this.reason = reason;
  }
}
