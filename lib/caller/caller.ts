import { randomUUID } from "node:crypto";
import axios, {
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
} from "axios";
import { CallState, withState } from "./attempt";
import { createReadingAdapter, usesHttpAdapter } from "./body-reader";
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
import { installAttemptHooks } from "./hooks";
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
} from "./options";

/** Instances a Caller has installed its interceptors on. */
const claimedInstances = new WeakSet<AxiosInstance>();

const passThrough = [(data: unknown): unknown => data];
const isSuccess = (status: number): boolean => status >= 200 && status < 300;
const HEADER_VALUE = /^[^\r\n\0]+$/;

/**
 * Header values as axios takes them: `false` keeps a header axios would
 * otherwise add from being sent at all.
 */
type CallHeaders = Record<string, string | false>;

// axios gives a POST, PUT or PATCH without data the content type of a
// form (`application/x-www-form-urlencoded`), which some upstreams then
// try to parse; a call without a body sends no content type, unless the
// static or per-call headers set one.
const NO_CONTENT_TYPE = false;

/** The config keys that decide how a call's response body is read. */
interface BodyReading {
  adapter?: AxiosAdapter;
  responseType: "stream" | "text";
  maxContentLength: number;
}

/**
 * Through axios' http adapter, bodies are read by the Caller's own
 * reader, which alone enforces `limit`. Another adapter gets text, cut by
 * axios at maxContentLength (-1: none) if it supports it.
 */
function bodyReading(instance: AxiosInstance, limit: number): BodyReading {
  if (usesHttpAdapter(instance)) {
    return { adapter: createReadingAdapter(limit), responseType: "stream",
      maxContentLength: -1 };
  }
  return { responseType: "text",
    maxContentLength: Number.isFinite(limit) ? limit : -1 };
}

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
  /** How response bodies are read; see bodyReading(). */
  private readonly reading: BodyReading;
  /** Accept and the static headers, for calls that add none. */
  private readonly staticHeaders: Readonly<Record<string, string>>;
  /** The same for a call without a body; see headersFor(). */
  private readonly bodilessHeaders: Readonly<CallHeaders>;

  constructor(options: CallerOptions) {
    super();
    this.options = normalizeOptions(options);
    this.baseURL = baseHref(this.options.baseURL);
    this.urls = new CallURLResolver(this.options.baseURL);
    this.guardRedirect = createRedirectGuard(this.options.baseURL.origin);
    this.staticHeaders = Object.freeze({ accept: "application/json",
      ...this.options.headers });
    this.bodilessHeaders = Object.freeze({ "content-type": NO_CONTENT_TYPE,
      ...this.staticHeaders });

    const instance = this.options.axios ?? axios.create();
    if (claimedInstances.has(instance)) {
      throw new TypeError(
        "caller: option axios is already used by another Caller");
    }
    claimedInstances.add(instance);
    this.axios = instance;
    installAttemptHooks(instance, this.options);
    this.reading = bodyReading(instance, this.options.maxResponseBytes);
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
      // no signal: each attempt gets its own (see hooks.ts)
      adapter: this.reading.adapter,
      responseType: this.reading.responseType,
      maxContentLength: this.reading.maxContentLength,
      beforeRedirect: this.guardRedirect,
      validateStatus: isSuccess,
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
  ): Readonly<CallHeaders> {
    const key = this.idempotencyKeyFor(method, options.idempotencyKey);
    const base = body !== undefined || method === "GET" ?
      this.staticHeaders : this.bodilessHeaders;
    if (body === undefined && options.headers === undefined &&
      key === undefined) {
      // axios copies headers into its own object: sharing these is safe
      return base;
    }

    const headers: CallHeaders = { ...base };
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
}
