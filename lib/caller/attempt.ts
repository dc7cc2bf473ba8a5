import type {
  GenericAbortSignal,
  InternalAxiosRequestConfig,
} from "axios";
import { DeadlineTarget, type DeadlineQueue } from "./deadlines";

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

type Listener = () => void;

/**
 * The per-attempt signal handed to axios' http adapter, which only reads
 * `aborted` and adds and removes one 'abort' listener. An AbortController
 * per attempt, with its EventTarget machinery, cost about a fifth of the
 * throughput of a small call in the benchmark; this does the same for the
 * price of an array.
 * note: axios' fetch adapter needs a real AbortSignal; the Caller hands
 * it one when the instance is set to use that adapter.
 */
class AttemptSignal implements GenericAbortSignal {
  aborted = false;
  reason: unknown;
  onabort: Listener | null = null;
  private listeners: Listener[] = [];

  /** Itself: the signal and its controller in one object. */
  get signal(): AttemptSignal {
    return this;
  }

  addEventListener(_type: "abort", listener: Listener): void {
    this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: Listener): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;

    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
    this.onabort?.();
  }
}

/** What a per-attempt signal needs: to abort, and to be read by axios. */
interface AttemptController {
  readonly signal: GenericAbortSignal;
  abort(reason?: unknown): void;
}

/**
 * The state of one call across its attempts: the caller's own signal, kept
 * apart from the per-attempt signal that also carries the deadline, and the
 * attempt count. It is its own deadline target and its own listener on the
 * caller's signal (`handleEvent`), so that an attempt allocates no
 * closures.
 */
export class CallState extends DeadlineTarget {
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

  private controller: AttemptController | undefined;
  private deadlines: DeadlineQueue | undefined;

  constructor(method: string, url: string, signal: AbortSignal | undefined) {
    super();
    this.method = method;
    this.url = url;
    this.signal = signal;
  }

  /**
   * Starts an attempt: returns a fresh signal that aborts when the caller's
   * signal does or when its deadline in `deadlines` (none: never) passes;
   * a real AbortSignal when `native`, for adapters that need one.
   */
  startAttempt(
    deadlines: DeadlineQueue | undefined,
    native: boolean,
  ): GenericAbortSignal {
    this.endAttempt();
    this.attempts += 1;
    this.timedOut = false;
    this.controller = native ? new AbortController() : new AttemptSignal();

    this.signal?.addEventListener("abort", this, { once: true });
    this.deadlines = deadlines;
    deadlines?.add(this);
    return this.controller.signal;
  }

  /** Clears the deadline and the link to the caller's signal. */
  endAttempt(): void {
    if (this.controller === undefined) return;
    this.controller = undefined;
    this.deadlines?.remove(this);
    this.signal?.removeEventListener("abort", this);
  }

  /** The attempt's deadline passed. */
  expire(): void {
    this.timedOut = true;
    this.controller?.abort();
  }

  /** The caller's signal aborted: cut the attempt in flight. */
  handleEvent(): void {
    this.controller?.abort(this.signal?.reason);
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
  (config as Record<string, unknown>)[STATE_KEY] = state;
  return config;
}
