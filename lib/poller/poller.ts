import { AsyncLocalStorage } from "node:async_hooks";
import { guardLogger } from "../logger";
import type { Logger } from "../logger";
import {
  PollerStateError,
  PollerStoppedError,
  PollerTimeoutError,
} from "./errors";
import {
  normalizePollerOptions,
  type NormalizedPollerOptions,
  type PollerOptions,
} from "./options";
import { Schedule } from "./schedule";
import {
  StatusRecorder,
  type PollerState,
  type PollerStatus,
  type PollerTickResult,
} from "./status";
import { isAbortSignal, TickSignal } from "./tick-signal";
import { waitUntil } from "./wait";

// The tick whose `fn` is running in the current async context, so that
// stop() called from inside `fn` can tell it must not wait for that tick
const tickContext = new AsyncLocalStorage<object>();

type LockResult = AbortSignal | "skip";

/** How `fn` settled: resolved, or threw or rejected with `error`. */
type Outcome = { resolved: true } | { resolved: false; error: unknown };

/**
 * Runs `fn` periodically at a fixed rate, one tick at a time, until it is
 * stopped; then waits for the tick in flight and releases its lock.
 *
 * @example
 * const sync = new Poller({
 *   name: "fingerprints",
 *   interval: 30_000,
 *   runOnStart: true,
 *   fn: (signal) => terminal.syncFingerprints(signal),
 *   logger,
 * });
 * sync.start(shutdown.signal); // stops when shutdown begins
 */
export class Poller {
  /** The poller's name, as given in the options. */
  readonly name: string;

  readonly #options: NormalizedPollerOptions;
  readonly #logger: Logger;
  readonly #status = new StatusRecorder();
  readonly #stopController = new AbortController();
  #state: PollerState = "idle";
  #started = false;
  #done: Promise<void> | undefined;
  #tick: object | undefined;

  /** Throws a TypeError naming the option when an option is invalid. */
  constructor(options: PollerOptions) {
    this.#options = normalizePollerOptions(options);
    this.#logger = guardLogger(this.#options.logger);
    this.name = this.#options.name;
  }

  /** A frozen snapshot of the poller's health. */
  get status(): PollerStatus {
    return this.#status.snapshot(this.name, this.#state);
  }

  /**
   * Starts the schedule. The promise resolves once the poller has stopped
   * (by {@link Poller.stop} or by `signal` aborting), its tick in flight
   * has settled and its lock is released; it never rejects. A poller
   * starts once: a second call throws a {@link PollerStateError}.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#started) throw new PollerStateError(this.name);
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new TypeError("poller: start() signal must be an AbortSignal");
    }
    this.#started = true;

    // stopped before it ever ran: stop() came first or the signal is
    // already aborted (shutdown began during startup)
    if (this.#state === "stopped" || signal?.aborted) {
      this.#state = "stopped";
      this.#done = Promise.resolve();
      return this.#done;
    }

    const onAbort = (): void => this.#requestStop(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });

    this.#state = "running";
    this.#done = this.#run().finally(() => {
      signal?.removeEventListener("abort", onAbort);
    });
    return this.#done;
  }

  /**
   * Stops the schedule and aborts the signal of the tick in flight. The
   * promise resolves as {@link Poller.start}'s does. Idempotent. Called
   * from inside `fn` it resolves at once, since waiting for the tick that
   * is waiting for it would never end.
   */
  stop(): Promise<void> {
    this.#requestStop(undefined);

    const calledFromTick = this.#tick !== undefined &&
      tickContext.getStore() === this.#tick;
    if (calledFromTick) return Promise.resolve();
    return this.#done ?? Promise.resolve();
  }

  #requestStop(reason: unknown): void {
    if (this.#state === "idle") this.#state = "stopped";
    if (this.#state !== "running") return;

    this.#state = "stopping";
    const cause = reason === undefined ? undefined : { cause: reason };
    this.#stopController.abort(new PollerStoppedError(this.name, cause));
  }

  async #run(): Promise<void> {
    const { interval, runOnStart, jitter } = this.#options;
    const stopSignal = this.#stopController.signal;
    const schedule = new Schedule({
      origin: performance.now(), interval, runOnStart, jitter,
    });

    try {
      // plan, wait, tick; repeat until stopped
      let slot = schedule.first();
      while (!stopSignal.aborted) {
        this.#status.planned(slot.startAt - performance.now(), slot.missed);
        await waitUntil(slot.startAt, stopSignal);
        if (stopSignal.aborted) break;

        await this.#runTick();
        slot = schedule.next(slot, performance.now());
      }
    } catch (error) {
      // only a bug of this module can land here: every tick is guarded
      this.#log("error", { err: error, name: this.name }, "poller loop failed");
    }

    this.#status.idle();
    await this.#releaseLock();
    this.#state = "stopped";
  }

  async #runTick(): Promise<void> {
    this.#status.checking();

    const lockSignal = await this.#acquireLock();
    if (lockSignal === "skip" || this.#stopController.signal.aborted) {
      this.#status.idle();
      return;
    }

    const tickSignal = new TickSignal({
      stop: this.#stopController.signal,
      lock: lockSignal,
      timeout: this.#options.timeout,
      timeoutReason: () =>
        new PollerTimeoutError(this.name, this.#options.timeout),
      onTimeout: () => this.#log("warn",
        { name: this.name, timeout: this.#options.timeout },
        "poller tick timed out"),
    });
    const tick = {};
    this.#tick = tick;
    this.#status.started();
    const startedAt = performance.now();

    let outcome: Outcome;
    try {
      await tickContext.run(tick, () => this.#options.fn(tickSignal.signal));
      outcome = { resolved: true };
    } catch (error) {
      outcome = { resolved: false, error };
    } finally {
      tickSignal.dispose();
      this.#tick = undefined;
    }
    this.#settle(tickSignal, outcome, performance.now() - startedAt);
  }

  #settle(tickSignal: TickSignal, outcome: Outcome, duration: number): void {
    // a tick that ends by rejecting after stop aborted its signal was told
    // to give up: that is the shutdown working, not a failure
    if (!outcome.resolved && tickSignal.cause === "stop") {
      this.#record({ outcome: "aborted", duration });
      this.#log("debug", { name: this.name, err: outcome.error },
        "poller tick aborted by stop");
      return;
    }

    // a timed-out tick failed even if fn resolved in the end: it ran past
    // the budget the caller set
    const timedOut = tickSignal.cause === "timeout";
    if (outcome.resolved && !timedOut) {
      this.#record({ outcome: "success", duration });
      return;
    }

    const failure = timedOut || outcome.resolved
      ? this.#timeoutError(outcome)
      : outcome.error;
    this.#record({ outcome: "failure", duration, error: failure });
    this.#log("error", {
      err: failure,
      name: this.name,
      consecutiveFailures: this.#status.consecutiveFailures,
    }, "poller tick failed");
  }

  // the error a timed-out tick is recorded with: the signal's own reason
  // when fn passed it on, else a new one wrapping what fn rejected with
  #timeoutError(outcome: Outcome): PollerTimeoutError {
    const error = outcome.resolved ? undefined : outcome.error;
    if (error instanceof PollerTimeoutError) return error;

    const cause = outcome.resolved ? undefined : { cause: error };
    return new PollerTimeoutError(this.name, this.#options.timeout, cause);
  }

  async #acquireLock(): Promise<LockResult | undefined> {
    const { lock } = this.#options;
    if (!lock) return undefined;

    // a lock store that hangs must not hold up a stop: the wait ends with
    // the stop signal, and the loop's release() follows
    const stop = this.#stopController.signal;
    let held: unknown;
    try {
      held = await untilStopped(lock.acquire(stop), stop);
    } catch (error) {
      this.#log("warn", { err: error, name: this.name },
        "poller lock acquire failed");
      this.#record({ outcome: "lockError", duration: 0, error });
      return "skip";
    }

    if (held === stopped) return "skip";

    // null, or a signal of a lock already lost: another holder has it
    if (held === null || (isAbortSignal(held) && held.aborted)) {
      this.#log("debug", { name: this.name },
        "poller tick skipped: lock held elsewhere");
      this.#record({ outcome: "skipped", duration: 0 });
      return "skip";
    }
    if (isAbortSignal(held)) return held;

    const error = new TypeError(
      "poller: lock.acquire() must resolve an AbortSignal or null",
    );
    this.#log("warn", { err: error, name: this.name },
      "poller lock acquire failed");
    this.#record({ outcome: "lockError", duration: 0, error });
    return "skip";
  }

  async #releaseLock(): Promise<void> {
    const { lock } = this.#options;
    if (!lock) return;

    try {
      await lock.release();
    } catch (error) {
      this.#log("warn", { err: error, name: this.name },
        "poller lock release failed");
    }
  }

  #record(result: Omit<PollerTickResult, "name">): void {
    const tick = { name: this.name, ...result };
    this.#status.record(tick);

    const onFailure = (error: unknown): void => this.#log("warn",
      { err: error, name: this.name }, "poller onTick failed");
    try {
      const returned: unknown = this.#options.onTick?.(tick);
      // an async onTick is not awaited, but its rejection must not go
      // unhandled and take the process down
      if (isThenable(returned)) returned.then(undefined, onFailure);
    } catch (error) {
      onFailure(error);
    }
  }

  #log(level: keyof Logger, obj: object, msg: string): void {
    this.#logger[level]?.(obj, msg);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as Partial<PromiseLike<unknown>> | null)?.then ===
    "function";
}

const stopped = Symbol("stopped");

/**
 * `pending`, or `stopped` as soon as `signal` aborts, whichever comes
 * first. A late rejection of `pending` is dropped: nobody waits for it.
 */
function untilStopped<T>(
  pending: Promise<T>,
  signal: AbortSignal,
): Promise<T | typeof stopped> {
  if (signal.aborted) {
    pending.catch(() => undefined);
    return Promise.resolve(stopped);
  }

  return new Promise((resolve, reject) => {
    const onAbort = () => {
      pending.catch(() => undefined);
      resolve(stopped);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
