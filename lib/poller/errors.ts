import { IntegrationKitError } from "../errors";

/**
 * Thrown by {@link Poller.start} when the poller was started before. A
 * poller runs once, like an AbortController is aborted once: create a new
 * one to run the same work again.
 */
export class PollerStateError extends IntegrationKitError {
  /** The poller's name. */
  readonly poller: string;

  constructor(poller: string) {
    super(`poller ${poller}: already started`, "ERR_POLLER_STARTED");
    this.poller = poller;
  }
}

/**
 * The reason a tick's signal aborts when the tick runs past the poller's
 * `timeout`, and the error the tick is recorded with. `cause` is what `fn`
 * finally rejected with, if it rejected.
 */
export class PollerTimeoutError extends IntegrationKitError {
  /** The poller's name. */
  readonly poller: string;
  /** The per-tick budget that ran out, in milliseconds. */
  readonly timeout: number;

  constructor(poller: string, timeout: number, options?: { cause?: unknown }) {
    super(
      `poller ${poller}: tick timed out after ${timeout} ms`,
      "ERR_POLLER_TIMEOUT",
      options,
    );
    this.poller = poller;
    this.timeout = timeout;
  }
}

/**
 * The reason a tick's signal aborts when the poller stops (by
 * {@link Poller.stop} or by the signal given to {@link Poller.start}).
 * `cause` is that signal's own reason, when there is one.
 */
export class PollerStoppedError extends IntegrationKitError {
  /** The poller's name. */
  readonly poller: string;

  constructor(poller: string, options?: { cause?: unknown }) {
    super(`poller ${poller}: stopped`, "ERR_POLLER_STOPPED", options);
    this.poller = poller;
  }
}
