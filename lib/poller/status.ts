/** Where a poller is in its one-way life. */
export type PollerState = "idle" | "running" | "stopping" | "stopped";

/**
 * A snapshot of a poller's health, for a health or metrics endpoint. Times
 * are wall-clock `Date`s; counts start at 0 on `start()`.
 */
export interface PollerStatus {
  readonly name: string;
  /** `idle` before start, `stopping` while the last tick settles. */
  readonly state: PollerState;
  /** True from `start()` until stop is asked for. */
  readonly running: boolean;
  /** True while a tick (including its lock check) is in flight. */
  readonly ticking: boolean;
  /** How many times `fn` was called. */
  readonly ticks: number;
  /** Ticks that threw, rejected or timed out. */
  readonly failures: number;
  /** Failures since the last success; 0 after a success. */
  readonly consecutiveFailures: number;
  /** Ticks skipped because another holder has the lock. */
  readonly skipped: number;
  /** Ticks skipped because `lock.acquire()` rejected. */
  readonly lockErrors: number;
  /** Slots passed over (not replayed) because a tick overran them. */
  readonly missed: number;
  readonly lastStartedAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastFailureAt: Date | null;
  /** The error of the last failed tick, `undefined` before any failure. */
  readonly lastError: unknown;
  /** How long the last settled tick ran, in milliseconds. */
  readonly lastDuration: number | null;
  /** When the next tick is planned, while the poller waits for it. */
  readonly nextTickAt: Date | null;
}

/**
 * How one tick ended, as {@link PollerOptions.onTick} receives it: for
 * metrics (a duration histogram, a failure counter) beside the logs.
 */
export interface PollerTickResult {
  readonly name: string;
  /**
   * `success`; `failure` (a throw, a rejection, a timeout); `aborted` (it
   * rejected after stop aborted its signal); `skipped` (the lock is held
   * elsewhere); `lockError` (`lock.acquire()` failed). `fn` ran only for
   * the first three.
   */
  readonly outcome: "success" | "failure" | "aborted" | "skipped" |
    "lockError";
  /** How long `fn` ran, in milliseconds; 0 when it did not run. */
  readonly duration: number;
  /** The error of a `failure` or a `lockError`. */
  readonly error?: unknown;
}

type Counters = Omit<PollerStatus, "name" | "state" | "running">;

/** Keeps the counters of {@link PollerStatus} as the poller runs. */
export class StatusRecorder {
  #counters: { -readonly [K in keyof Counters]: Counters[K] } = {
    ticking: false,
    ticks: 0,
    failures: 0,
    consecutiveFailures: 0,
    skipped: 0,
    lockErrors: 0,
    missed: 0,
    lastStartedAt: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    lastError: undefined,
    lastDuration: null,
    nextTickAt: null,
  };

  get consecutiveFailures(): number {
    return this.#counters.consecutiveFailures;
  }

  planned(inMs: number, missed: number): void {
    this.#counters.nextTickAt = new Date(Date.now() + Math.max(0, inMs));
    this.#counters.missed += missed;
  }

  checking(): void {
    this.#counters.ticking = true;
    this.#counters.nextTickAt = null;
  }

  started(): void {
    this.#counters.ticks += 1;
    this.#counters.lastStartedAt = new Date();
  }

  /** Counts how a tick ended. */
  record(result: PollerTickResult): void {
    const counters = this.#counters;
    counters.ticking = false;
    if (result.outcome === "skipped") counters.skipped += 1;
    if (result.outcome === "lockError") counters.lockErrors += 1;
    if (result.outcome === "skipped" || result.outcome === "lockError") {
      return;
    }

    // an aborted tick is neither a success nor a failure
    counters.lastDuration = result.duration;
    if (result.outcome === "success") {
      counters.consecutiveFailures = 0;
      counters.lastSuccessAt = new Date();
    }
    if (result.outcome === "failure") {
      counters.failures += 1;
      counters.consecutiveFailures += 1;
      counters.lastFailureAt = new Date();
      counters.lastError = result.error;
    }
  }

  idle(): void {
    this.#counters.ticking = false;
    this.#counters.nextTickAt = null;
  }

  snapshot(name: string, state: PollerState): PollerStatus {
    return Object.freeze({
      name,
      state,
      running: state === "running",
      ...this.#counters,
    });
  }
}
