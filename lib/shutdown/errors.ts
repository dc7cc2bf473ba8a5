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
 * The two budgets of a shutdown: `drain` (the server and the tasks,
 * `timeout`) and `cleanup` (the hooks, `cleanupTimeout`).
 */
export type ShutdownPhase = "drain" | "cleanup";

/**
 * Logged when a phase of shutdown runs past its budget; the process then
 * exits with code 1. `pending` names what was still running: connections,
 * requests in flight, pollers and tasks, and in the cleanup phase the
 * hooks.
 */
export class ShutdownTimeoutError extends IntegrationKitError {
  /** The budget that ran out, in milliseconds. */
  readonly timeout: number;
  /** What shutdown was still waiting for, one entry each. */
  readonly pending: readonly string[];
  /** The phase whose budget ran out. */
  readonly phase: ShutdownPhase;

  constructor(
    timeout: number,
    pending: readonly string[],
    phase: ShutdownPhase = "drain",
  ) {
    const what = phase === "drain" ? "shutdown" : "shutdown cleanup";
    super(`${what} timed out after ${timeout} ms`, "ERR_SHUTDOWN_TIMEOUT");
    this.timeout = timeout;
    this.pending = pending;
    this.phase = phase;
  }
}
