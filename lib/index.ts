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
export type {
  VerificationProblem as WebhookVerificationProblem,
  WebhookVerification,
} from "./webhook/verify";
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
export type {
  ReplayStoreOperation as WebhookReplayStoreOperation,
  WebhookBodyProblem,
} from "./webhook/errors";
export type {
  SignatureProblem as WebhookSignatureProblem,
} from "./webhook/signature";

// caller
export { Caller } from "./caller/caller";
export { BoundCaller, provideCallers } from "./caller/bind";
export { callerDefaults } from "./caller/options";
export { equalJitterBackoff, parseRetryAfter } from "./caller/retry";
export {
  CallerError,
  CrossOriginRedirectError,
  HTTPStatusError,
  NetworkError,
  RequestTimeoutError,
  ResponseParseError,
  ResponseTooLargeError,
} from "./caller/errors";
export type {
  BindOptions,
  BoundCallers,
  CallerProvider,
  IncomingRequest,
} from "./caller/bind";
export type { QueryParams, QueryValue, RequestBody } from "./caller/body";
export type { CallContext } from "./caller/errors";
export type { CallMethod, CallPayload } from "./caller/methods";
export type {
  Backoff,
  CallOptions,
  CallerOptions,
  RetryEvent,
} from "./caller/options";

// poller and graceful shutdown
export type { PollerLock } from "./poller/lock";
export { Poller } from "./poller/poller";
export { pollerDefaults } from "./poller/options";
export type { PollerFunction, PollerOptions } from "./poller/options";
export type {
  PollerState,
  PollerStatus,
  PollerTickResult,
} from "./poller/status";
export {
  PollerStateError,
  PollerStoppedError,
  PollerTimeoutError,
} from "./poller/errors";
export { gracefulShutdown } from "./shutdown/graceful-shutdown";
export type { GracefulShutdown } from "./shutdown/graceful-shutdown";
export { shutdownDefaults } from "./shutdown/options";
export type { GracefulShutdownOptions } from "./shutdown/options";
export type { CleanupHook } from "./shutdown/cleanup";
export type { ShutdownServer } from "./shutdown/connections";
export type { ShutdownTask, Stoppable } from "./shutdown/tasks";
export { ShutdownError, ShutdownTimeoutError } from "./shutdown/errors";
export type { ShutdownPhase } from "./shutdown/errors";

// redis
export type { RedisClient } from "./redis/client";
export {
  RedisCommandError,
  RedisLockLostError,
  RedisTimeoutError,
} from "./redis/errors";
export type { LockLossReason, RedisOperation } from "./redis/errors";
export { redisLock, redisLockDefaults } from "./redis/lock";
export type { RedisLock, RedisLockOptions } from "./redis/lock";
export {
  redisReplayStore,
  redisReplayStoreDefaults,
} from "./redis/replay-store";
export type { RedisReplayStoreOptions } from "./redis/replay-store";
