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
export { Poller } from "./poller/poller";
export { pollerDefaults } from "./poller/options";
export type { PollerFunction, PollerOptions } from "./poller/options";
export type { PollerState, PollerStatus } from "./poller/status";
export {
  PollerStateError,
  PollerStoppedError,
  PollerTimeoutError,
} from "./poller/errors";

// redis
