// The public surface of integration-kit. Every export is listed by name so
// that nothing internal leaks out by accident.

export { IntegrationKitError } from "./errors";
export { defaultLogger, silentLogger } from "./logger";
export type { Logger } from "./logger";

// webhook receiver
export type { ReplayStore } from "./webhook/replay-store";

// caller

// poller and graceful shutdown
export type { PollerLock } from "./poller/lock";

// redis
export type { RedisClient } from "./redis/client";
export {
  RedisCommandError,
  RedisLockLostError,
  RedisTimeoutError,
} from "./redis/errors";
export type { LockLossReason, RedisOperation } from "./redis/errors";
export { redisLock } from "./redis/lock";
export type { RedisLock, RedisLockOptions } from "./redis/lock";
export { redisReplayStore } from "./redis/replay-store";
export type { RedisReplayStoreOptions } from "./redis/replay-store";
