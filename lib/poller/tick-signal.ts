import { setLongTimeout } from "../long-timeout";

/** Why a tick's signal aborted, when it did. */
export type TickAbortCause = "stop" | "lock" | "timeout";

export interface TickSignalSources {
  /** Aborts when the poller stops. */
  stop: AbortSignal;
  /** Aborts when the poller's lock is lost; absent without a lock. */
  lock?: AbortSignal;
  /** Milliseconds until the tick times out; `Infinity` for never. */
  timeout: number;
  /** The abort reason to use when the timeout passes. */
  timeoutReason: () => unknown;
  /** Called once when the timeout passes, before the signal aborts. */
  onTimeout?: () => void;
}

/**
 * The signal handed to one tick's `fn`: it aborts on whichever of stop, a
 * lost lock or the tick's timeout comes first, with that source's reason,
 * and remembers which one it was. `dispose()` removes every listener and
 * timer it added, so that a lock signal that lives for hours does not
 * collect one listener per tick.
 */
export class TickSignal {
  readonly signal: AbortSignal;
  #cause: TickAbortCause | undefined;
  readonly #controller = new AbortController();
  readonly #cleanups: Array<() => void> = [];

  constructor(sources: TickSignalSources) {
    this.signal = this.#controller.signal;

    this.#follow(sources.stop, "stop");
    if (sources.lock) this.#follow(sources.lock, "lock");

    if (!this.signal.aborted) {
      this.#cleanups.push(setLongTimeout(() => {
        sources.onTimeout?.();
        this.#abort("timeout", sources.timeoutReason());
      }, sources.timeout));
    }
  }

  /** What aborted the signal, or `undefined` while it has not aborted. */
  get cause(): TickAbortCause | undefined {
    return this.#cause;
  }

  dispose(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  #follow(source: AbortSignal, cause: TickAbortCause): void {
    if (source.aborted) {
      this.#abort(cause, source.reason);
      return;
    }

    const onAbort = (): void => this.#abort(cause, source.reason);
    source.addEventListener("abort", onAbort, { once: true });
    this.#cleanups.push(() => source.removeEventListener("abort", onAbort));
  }

  #abort(cause: TickAbortCause, reason: unknown): void {
    if (this.signal.aborted) return;
    this.#cause = cause;
    this.#controller.abort(reason);
  }
}

/**
 * Whether `value` can be followed as an AbortSignal. Checked by shape, so
 * that a signal from another realm (a vm context, a test runner's sandbox)
 * is accepted too.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== "object" || value === null) return false;

  const candidate = value as Partial<AbortSignal>;
  return typeof candidate.aborted === "boolean" &&
    typeof candidate.addEventListener === "function" &&
    typeof candidate.removeEventListener === "function";
}
