import {
  type AxiosError,
  type AxiosInstance,
  type InternalAxiosRequestConfig,
} from "axios";
import axiosRetry from "axios-retry";
import { maxTimerDelay } from "../long-timeout";
import { CallState, stateOf, withState } from "./attempt";
import { usesHttpAdapter } from "./body-reader";
import { DeadlineQueue } from "./deadlines";
import {
  type NormalizedCallerOptions,
  type RetryEvent,
} from "./options";
import { classifyFailure } from "./retry";

// What runs around each attempt of a call: the interceptors that give it a
// fresh signal and deadline and end it, and axios-retry with the Caller's
// condition, delay and reporting.

/** Installs the per-attempt interceptors and axios-retry on `instance`. */
export function installAttemptHooks(
  instance: AxiosInstance,
  options: NormalizedCallerOptions,
): void {
  new AttemptHooks(instance, options).install();
}

/**
 * Waits for `pending` (what an onRetry hook returned), but no longer than
 * until `signal` aborts: axios-retry awaits the hook before it looks at
 * the signal, and a slow hook must not hold an aborted call open.
 */
function untilAborted(
  pending: void | Promise<void>,
  signal: AbortSignal | undefined,
): void | Promise<void> {
  const isThenable = typeof (pending as Promise<void> | undefined)?.then ===
    "function";
  if (signal === undefined || !isThenable) return pending;

  return new Promise<void>((resolve, reject) => {
    const settle = (): void => {
      signal.removeEventListener("abort", settle);
      resolve();
    };
    signal.addEventListener("abort", settle);
    if (signal.aborted) settle();
    Promise.resolve(pending).then(settle, (error: unknown) => {
      signal.removeEventListener("abort", settle);
      reject(error);
    });
  });
}

class AttemptHooks {
  private readonly instance: AxiosInstance;
  private readonly options: NormalizedCallerOptions;
  private readonly deadlines: DeadlineQueue | undefined;
  /** Whether the instance's adapter needs a real AbortSignal. */
  private readonly needsNativeSignal: boolean;

  constructor(instance: AxiosInstance, options: NormalizedCallerOptions) {
    this.instance = instance;
    this.options = options;
    this.deadlines = options.timeout > 0 ?
      new DeadlineQueue(options.timeout) : undefined;

    this.needsNativeSignal = !usesHttpAdapter(instance);
    if (this.needsNativeSignal) {
      // the size limit is enforced while streaming, and redirects are
      // checked before they are followed, by axios' http adapter only
      options.logger.warn({ baseURL: options.baseURL.origin },
        "caller instance does not use axios' http adapter: " +
        "maxResponseBytes and the redirect guard may not apply");
    }
  }

  /**
   * Installs the per-attempt interceptors and axios-retry. Order matters:
   * the response interceptor must run before axios-retry's, to end the
   * attempt (deadline cleared, caller's signal restored) before it decides.
   */
  install(): void {
    const instance = this.instance;

    // synchronous, so that axios sends the request in the tick it is made
    // instead of after a promise hop per interceptor
    instance.interceptors.request.use((config) => this.startAttempt(config),
      undefined, { synchronous: true });
    instance.interceptors.response.use(
      (response) => {
        stateOf(response.config)?.endAttempt();
        return response;
      },
      (error: unknown) => {
        throw this.endFailedAttempt(error);
      },
    );

    const { requestInterceptorId } = axiosRetry(instance, {
      retries: this.options.maxRetry,
      retryCondition: (error) => this.shouldRetry(error),
      retryDelay: (retry, error) => this.delayBefore(retry, error),
      onRetry: (_retry, error) => this.reportRetry(error),
      shouldResetTimeout: true,
    });

    // axios-retry's request interceptor only restarts its clock for the
    // timeout it shrinks (off here: shouldResetTimeout) and sets up
    // validateResponse (unused); its response interceptor sets up its own
    // state. Ejected, it no longer forces every call down axios'
    // asynchronous interceptor path.
    // note: this relies on axios-retry returning that id; a test fails if
    // the interceptor is ever left in place or the wrong one is ejected
    instance.interceptors.request.eject(requestInterceptorId);
  }

  private startAttempt(
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig {
    let state = stateOf(config);
    if (state === undefined) {
      // a request sent through `caller.axios` directly
      const signal = config.signal instanceof AbortSignal ?
        config.signal : undefined;
      state = new CallState((config.method ?? "get").toUpperCase(),
        this.describeURL(config), signal);
      withState(config, state);
    }

    // set for each attempt: axios-retry reuses the config it got last
    state.signal?.throwIfAborted();
    config.signal = state.startAttempt(this.deadlines,
      this.needsNativeSignal);
    return config;
  }

  private endFailedAttempt(error: unknown): unknown {
    const config = (error as AxiosError).config;
    const state = stateOf(config);
    if (state === undefined || config === undefined) return error;

    // axios-retry waits on config.signal before the next attempt, and skips
    // the wait when it is aborted: give it the caller's own signal, not the
    // attempt's (aborted by a deadline that must not cut the backoff short)
    state.endAttempt();
    config.signal = state.signal;
    return error;
  }

  private shouldRetry(error: AxiosError): boolean {
    const state = stateOf(error.config);
    if (state === undefined) return false;
    state.lastFailure = classifyFailure(error, state, this.options.timeout);
    return state.lastFailure.retriable;
  }

  private delayBefore(retry: number, error: AxiosError): number {
    const state = stateOf(error.config);
    const retryAfter = state?.lastFailure?.retryAfter;
    const delay = retryAfter !== undefined ?
      Math.min(retryAfter, this.options.maxRetryAfter) :
      this.options.backoff(retry);

    if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0) {
      throw new TypeError(`caller: backoff(${retry}) must return a finite ` +
        "number of milliseconds >= 0");
    }

    // note: a wait past what a timer keeps (about 24.8 days) is cut to it;
    // a Retry-After that long only passes with maxRetryAfter: Infinity
    const wait = Math.min(delay, maxTimerDelay);
    if (state !== undefined) state.nextDelay = wait;
    return wait;
  }

  private async reportRetry(error: AxiosError): Promise<void> {
    const state = stateOf(error.config);
    if (state === undefined) return;
    const event: RetryEvent = {
      method: state.method,
      url: state.url,
      attempt: state.attempts,
      delay: state.nextDelay,
      reason: state.lastFailure?.reason ?? "request failed",
      statusCode: state.lastFailure?.kind === "status" ?
        error.response?.status : undefined,
    };
    this.options.logger.warn(event, "caller retrying request");

    if (this.options.onRetry === undefined) return;
    try {
      await untilAborted(this.options.onRetry(event), state.signal);
    } catch (hookError) {
      this.options.logger.error(
        { err: hookError, method: event.method, url: event.url },
        "caller onRetry hook failed");
    }
  }

  private describeURL(config: InternalAxiosRequestConfig): string {
    try {
      const url = new URL(
        this.instance.getUri({ ...config, params: undefined }));
      return `${url.origin}${url.pathname}`;
    } catch {
      return String(config.url ?? "").split("?")[0];
    }
  }
}
