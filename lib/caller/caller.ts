import { randomUUID } from "node:crypto";
import axios, {
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";
import axiosRetry from "axios-retry";
import { CallState, stateOf, withState } from "./attempt";
import { DeadlineQueue } from "./deadlines";
import { BoundCaller, type BindOptions, type IncomingRequest } from "./bind";
import {
  encodeBody,
  parseJSONBody,
  serializeParams,
  type EncodedBody,
  type QueryParams,
} from "./body";
import { ResponseParseError } from "./errors";
import { toCallerError } from "./failure";
import {
  baseHref,
  CallURLResolver,
  createRedirectGuard,
} from "./limits";
import { CallMethods, type CallMethod, type CallPayload } from "./methods";
import {
  normalizeHeaders,
  normalizeOptions,
  type CallOptions,
  type CallerOptions,
  type NormalizedCallerOptions,
  type RetryEvent,
} from "./options";
import { classifyFailure } from "./retry";

/** Instances a Caller has installed its interceptors on. */
const claimedInstances = new WeakSet<AxiosInstance>();

const passThrough = [(data: unknown): unknown => data];
const isSuccess = (status: number): boolean => status >= 200 && status < 300;
const HEADER_VALUE = /^[^\r\n\0]+$/;

/**
 * `path` with `params` appended. Serialised here rather than by axios, so
 * that a bad parameter is a TypeError before any attempt, not a failed one.
 */
function withQuery(path: string, params: QueryParams | undefined): string {
  const query = params === undefined ? "" : serializeParams(params);
  if (query === "") return path;
  return `${path}${path.includes("?") ? "&" : "?"}${query}`;
}

/**
 * JSON over HTTP to one upstream, with per-attempt deadlines, retries with
 * jittered backoff and Retry-After, bounded responses, same-origin
 * redirects only, typed errors and AbortSignal cancellation.
 * @example
 * const billing = new Caller({ baseURL: "https://billing.example.com",
 *   headers: { Authorization: `Bearer ${token}` } });
 * const { id } = await billing.post<{ id: string }>("/invoices", invoice);
 */
export class Caller extends CallMethods {
  /**
   * The axios instance underneath, for interceptors (tracing, metrics).
   * Request interceptors run on every attempt.
   */
  readonly axios: AxiosInstance;

  private readonly options: NormalizedCallerOptions;
  private readonly baseURL: string;
  private readonly urls: CallURLResolver;
  private readonly guardRedirect: (options: object) => void;
  /** Whether the instance's adapter needs a real AbortSignal. */
  private readonly needsNativeSignal: boolean;
  private readonly deadlines: DeadlineQueue | undefined;
  /** axios' maxContentLength: the limit, or -1 for none. */
  private readonly maxContentLength: number;
  /** Accept and the static headers, for calls that add none. */
  private readonly staticHeaders: Readonly<Record<string, string>>;

  constructor(options: CallerOptions) {
    super();
    this.options = normalizeOptions(options);
    this.baseURL = baseHref(this.options.baseURL);
    this.urls = new CallURLResolver(this.options.baseURL);
    this.guardRedirect = createRedirectGuard(this.options.baseURL.origin);
    this.deadlines = this.options.timeout > 0 ?
      new DeadlineQueue(this.options.timeout) : undefined;
    this.maxContentLength = Number.isFinite(this.options.maxResponseBytes) ?
      this.options.maxResponseBytes : -1;
    this.staticHeaders = Object.freeze({ accept: "application/json",
      ...this.options.headers });

    const instance = this.options.axios ?? axios.create();
    if (claimedInstances.has(instance)) {
      throw new TypeError(
        "caller: option axios is already used by another Caller");
    }
    claimedInstances.add(instance);
    this.axios = instance;
    this.needsNativeSignal = axios.getAdapter(instance.defaults.adapter) !==
      axios.getAdapter("http");
    if (this.needsNativeSignal) {
      // the size limit is enforced while streaming, and redirects are
      // checked before they are followed, by axios' http adapter only
      this.options.logger.warn({ baseURL: this.options.baseURL.origin },
        "caller instance does not use axios' http adapter: " +
        "maxResponseBytes and the redirect guard may not apply");
    }
    this.install(instance);
  }

  /**
   * A view of this Caller bound to an incoming request: its calls abort
   * when the client disconnects and forward the request's `X-Request-Id`.
   * @example app.get("/me", async (req, res) => {
   *   res.json(await crm.bind(req).get("/me")); });
   */
  bind(req: IncomingRequest, options?: BindOptions): BoundCaller {
    return new BoundCaller(this, req, options);
  }

  /** Sends one call; `get`, `post` and the others all come here. */
  request<T = unknown>(
    method: CallMethod,
    path: string,
    payload: CallPayload = {},
    options: CallOptions = {},
  ): Promise<T> {
    let call: { config: object; state: CallState };
    try {
      call = this.prepare(method, path, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }

    // the config is handed over here and not kept: only the state lives
    // across the wait, which keeps in-flight calls light for the GC
    const pending = this.axios.request<string>(call.config);
    return this.settle<T>(pending, call.state, options.discardBody === true);
  }

  /** Validates a call and builds its config, with its state attached. */
  private prepare(
    method: CallMethod,
    path: string,
    payload: CallPayload,
    options: CallOptions,
  ): { config: object; state: CallState } {
    const url = this.urls.resolve(path);
    const body = encodeBody(payload.body);
    const headers = this.headersFor(method, body, options);
    if (options.signal !== undefined &&
      !(options.signal instanceof AbortSignal)) {
      throw new TypeError("caller: option signal must be an AbortSignal");
    }
    options.signal?.throwIfAborted();

    // the state travels with the config through every attempt
    const state = new CallState(method, url, options.signal);
    const config = withState({
      method,
      url: withQuery(path, payload.params),
      baseURL: this.baseURL,
      allowAbsoluteUrls: false,
      data: body?.data,
      headers,
      signal: options.signal,
      maxContentLength: this.maxContentLength,
      beforeRedirect: this.guardRedirect,
      validateStatus: isSuccess,
      responseType: "text" as const,
      transformRequest: passThrough,
      transformResponse: passThrough,
    }, state);
    return { config, state };
  }

  private async settle<T>(
    pending: Promise<AxiosResponse<string>>,
    state: CallState,
    discardBody: boolean,
  ): Promise<T> {
    let response: AxiosResponse<string>;
    try {
      response = await pending;
    } catch (error) {
      throw toCallerError(error, state, this.options);
    } finally {
      state.endAttempt();
    }

    if (discardBody) return undefined as T;
    return this.decode<T>(response, state);
  }

  private decode<T>(response: AxiosResponse<string>, state: CallState): T {
    const text = typeof response.data === "string" ? response.data : "";
    try {
      return parseJSONBody(text) as T;
    } catch (error) {
      const call = { method: state.method, url: state.url,
        attempts: state.attempts };
      throw new ResponseParseError(call, response.status, text, error);
    }
  }

  /** Static, content and per-call headers, later ones winning. */
  private headersFor(
    method: CallMethod,
    body: EncodedBody | undefined,
    options: CallOptions,
  ): Readonly<Record<string, string>> {
    const key = this.idempotencyKeyFor(method, options.idempotencyKey);
    if (body === undefined && options.headers === undefined &&
      key === undefined) {
      // axios copies headers into its own object: sharing these is safe
      return this.staticHeaders;
    }

    const headers: Record<string, string> = { ...this.staticHeaders };
    if (body !== undefined) headers["content-type"] = body.contentType;
    if (options.headers !== undefined) {
      Object.assign(headers,
        normalizeHeaders("caller", "headers", options.headers));
    }
    if (key !== undefined) headers["idempotency-key"] = key;
    return headers;
  }

  private idempotencyKeyFor(
    method: CallMethod,
    key: CallOptions["idempotencyKey"],
  ): string | undefined {
    if (key === false) return undefined;
    if (key !== undefined) {
      if (typeof key !== "string" || !HEADER_VALUE.test(key)) {
        throw new TypeError("caller: option idempotencyKey must be a " +
          "non-empty string without CR, LF or NUL, or false");
      }
      return key;
    }
    const isUnsafe = method === "POST" || method === "PATCH";
    return this.options.idempotencyKey && isUnsafe ? randomUUID() :
      undefined;
  }

  /**
   * Installs the per-attempt interceptors and axios-retry. Order matters:
   * the response interceptor must run before axios-retry's, to end the
   * attempt (deadline cleared, caller's signal restored) before it decides.
   */
  private install(instance: AxiosInstance): void {
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
    instance.interceptors.request.eject(requestInterceptorId);
  }

  private startAttempt(
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig {
    let state = stateOf(config);
    if (state === undefined) {
      // a request sent through `caller.axios` directly
      state = new CallState((config.method ?? "get").toUpperCase(),
        this.describeURL(config), config.signal as AbortSignal | undefined);
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
    if (state !== undefined) state.nextDelay = delay;
    return delay;
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
      await this.options.onRetry(event);
    } catch (hookError) {
      this.options.logger.error(
        { err: hookError, method: event.method, url: event.url },
        "caller onRetry hook failed");
    }
  }

  private describeURL(config: InternalAxiosRequestConfig): string {
    try {
      const url = new URL(this.axios.getUri({ ...config, params: undefined }));
      return `${url.origin}${url.pathname}`;
    } catch {
      return String(config.url ?? "").split("?")[0];
    }
  }
}
