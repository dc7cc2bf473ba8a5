import type { InternalAxiosRequestConfig } from "axios";

// axios-retry re-issues a failed request with the same config object, and
// axios merges that object into a fresh one for each attempt. Plain objects
// are deep-copied by that merge, class instances are carried by reference:
// the per-call state below is a class so that every attempt of one call
// sees, and updates, the same instance.

/** The config key under which a call's state travels between attempts. */
const STATE_KEY = "integrationKitCall";

/** What the retry condition decided about the last failed attempt. */
export interface Failure {
  kind: "aborted" | "status" | "too-large" | "redirect" | "timeout" |
    "network";
  retriable: boolean;
  /** A short, secret-free description: `503 Service Unavailable`... */
  reason: string;
  /** The Retry-After wait in ms, when the response gave a valid one. */
  retryAfter?: number;
  /** The network error code (`ECONNRESET`...), for network failures. */
  code?: string;
}

/**
 * The state of one call across its attempts: the caller's own signal, kept
 * apart from the per-attempt signal that also carries the deadline, and the
 * attempt count.
 */
export class CallState {
  readonly method: string;
  readonly url: string;
  /** The signal the caller passed; never the per-attempt one. */
  readonly signal: AbortSignal | undefined;
  attempts = 0;
  /** Set when the current attempt was cut by its deadline. */
  timedOut = false;
  /** The delay chosen before the next attempt, in milliseconds. */
  nextDelay = 0;
  lastFailure: Failure | undefined;

  private timer: NodeJS.Timeout | undefined;
  private unlink: (() => void) | undefined;

  constructor(method: string, url: string, signal: AbortSignal | undefined) {
    this.method = method;
    this.url = url;
    this.signal = signal;
  }

  /**
   * Starts an attempt: returns a fresh signal that aborts when the caller's
   * signal does or when `timeout` ms (0: never) have passed.
   */
  startAttempt(timeout: number): AbortSignal {
    this.endAttempt();
    this.attempts += 1;
    this.timedOut = false;
    const controller = new AbortController();

    const callerSignal = this.signal;
    if (callerSignal !== undefined) {
      const onAbort = (): void => controller.abort(callerSignal.reason);
      callerSignal.addEventListener("abort", onAbort, { once: true });
      this.unlink = () => callerSignal.removeEventListener("abort", onAbort);
    }

    if (timeout > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        controller.abort();
      }, timeout);
    }
    return controller.signal;
  }

  /** Clears the deadline and the link to the caller's signal. */
  endAttempt(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.unlink?.();
    this.unlink = undefined;
  }
}

type ConfigWithState = InternalAxiosRequestConfig & {
  [STATE_KEY]?: CallState;
};

/** The state carried by `config`, if the call has one yet. */
export function stateOf(
  config: InternalAxiosRequestConfig | undefined,
): CallState | undefined {
  return (config as ConfigWithState | undefined)?.[STATE_KEY];
}

/** Attaches `state` to a request config. */
export function withState<T extends object>(
  config: T,
  state: CallState,
): T {
  return Object.assign(config, { [STATE_KEY]: state });
}
