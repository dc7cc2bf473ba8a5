// The public surface of integration-kit. Every export is listed by name so
// that nothing internal leaks out by accident.

export { IntegrationKitError } from "./errors";
export { defaultLogger, silentLogger } from "./logger";
export type { Logger } from "./logger";

// webhook receiver
export type { ReplayStore } from "./webhook/replay-store";
export { webhook, WebhookReceiver } from "./webhook/receiver";
export type {
  WebhookDelivery,
  WebhookHandler,
  WebhookHandlers,
  WebhookMiddleware,
} from "./webhook/handlers";
export { webhookDefaults } from "./webhook/options";
export type {
  WebhookAlgorithm,
  WebhookOptions,
  WebhookSecret,
} from "./webhook/options";
export type { WebhookPresetName } from "./webhook/presets";
export { keepRawBody } from "./webhook/body";
export type { WebhookRequest } from "./webhook/body";
export { signWebhook } from "./webhook/sign";
export type { SignWebhookDetails } from "./webhook/sign";
export {
  memoryReplayStore,
  memoryReplayStoreDefaults,
} from "./webhook/memory-replay-store";
export type { MemoryReplayStoreOptions } from "./webhook/memory-replay-store";
export {
  WebhookBodyError,
  WebhookReplayError,
  WebhookReplayStoreError,
} from "./webhook/errors";
export type { WebhookBodyProblem } from "./webhook/errors";

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
