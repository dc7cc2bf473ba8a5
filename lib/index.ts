// The public surface of integration-kit. Every export is listed by name so
// that nothing internal leaks out by accident.

export { IntegrationKitError } from "./errors";
export { defaultLogger, silentLogger } from "./logger";
export type { Logger } from "./logger";

// webhook receiver
export type { ReplayStore } from "./webhook/replay-store";

// caller
export { Caller } from "./caller/caller";
export { BoundCaller, provideCallers } from "./caller/bind";
export { CALLER_DEFAULTS } from "./caller/options";
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

// redis
