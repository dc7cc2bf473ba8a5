import { IntegrationKitError } from "../errors";

/**
 * The reason `shutdown.signal` aborts with, once shutdown has begun.
 * `trigger` says what began it: a signal name such as `SIGTERM`, or
 * `begin()` when the application called it.
 */
export class ShutdownError extends IntegrationKitError {
  readonly trigger: string;

  constructor(trigger: string) {
    super(`shutdown begun by ${trigger}`, "ERR_SHUTDOWN");
    this.trigger = trigger;
  }
}

/**
 * Logged when shutdown runs past its `timeout`, just before the process
 * exits with code 1. `pending` names what was still running: connections,
 * requests in flight, pollers and tasks, cleanup hooks.
 */
export class ShutdownTimeoutError extends IntegrationKitError {
  /** The budget that ran out, in milliseconds. */
  readonly timeout: number;
  /** What shutdown was still waiting for, one entry each. */
  readonly pending: readonly string[];

  constructor(timeout: number, pending: readonly string[]) {
    super(`shutdown timed out after ${timeout} ms`, "ERR_SHUTDOWN_TIMEOUT");
    this.timeout = timeout;
    this.pending = pending;
  }
}
