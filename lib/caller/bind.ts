import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller } from "./caller";
import { CallMethods, type CallMethod, type CallPayload } from "./methods";
import type { CallOptions } from "./options";

// Callers bound to an incoming request, for route handlers. A bound call
// aborts when the client goes away before its response (no point retrying
// upstream for nobody) and forwards the request id, so the upstream's logs
// and this app's line up.

/** An incoming request; Express and Connect requests are ones. */
export type IncomingRequest = IncomingMessage & { res?: ServerResponse };

/** Options of `caller.bind(req, options)` and `provideCallers()`. */
export interface BindOptions {
  /**
   * The response to `req`, whose early close means the client left.
   * @default req.res (set by Express)
   */
  res?: ServerResponse;
  /**
   * The header read from the incoming request and sent on with every
   * bound call; `false` forwards none. A value that is not 1-256 visible
   * ASCII characters is not forwarded.
   * @default "x-request-id"
   */
  requestIdHeader?: string | false;
}

const REQUEST_ID = /^[\x21-\x7e]{1,256}$/;

/** One disconnect signal per request, however many callers bind to it. */
const disconnectSignals = new WeakMap<IncomingMessage, AbortSignal>();

function disconnectSignal(
  req: IncomingMessage,
  res: ServerResponse,
): AbortSignal {
  const known = disconnectSignals.get(req);
  if (known !== undefined) return known;

  const controller = new AbortController();
  const abort = (): void => controller.abort(new DOMException(
    "the client closed the request before its response", "AbortError"));

  // 'close' on the response before it finished means the connection went
  // away; after a finished response, later calls (work done after
  // answering) must not be cut
  if (res.writableFinished) {
    // answered already: nothing to watch
  } else if (res.destroyed || req.socket?.destroyed === true) {
    abort();
  } else {
    res.once("close", () => {
      if (!res.writableFinished) abort();
    });
  }

  disconnectSignals.set(req, controller.signal);
  return controller.signal;
}

function forwardedHeaders(
  req: IncomingMessage,
  requestIdHeader: string | false,
): Record<string, string> {
  if (requestIdHeader === false) return {};
  const name = requestIdHeader.toLowerCase();
  const raw = req.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && REQUEST_ID.test(value) ?
    { [name]: value } : {};
}

/** What a request lends its bound calls: a signal and headers. */
interface RequestBinding {
  signal: AbortSignal;
  headers: Record<string, string>;
}

function bindRequest(
  req: IncomingRequest,
  options: BindOptions = {},
): RequestBinding {
  const res = options.res ?? req.res;
  if (res === undefined) {
    throw new TypeError(
      "caller: bind needs the response, as req.res or option res");
  }
  const header = options.requestIdHeader ?? "x-request-id";
  if (header !== false && (typeof header !== "string" || header === "")) {
    throw new TypeError(
      "caller: option requestIdHeader must be a header name or false");
  }
  return {
    signal: disconnectSignal(req, res),
    headers: forwardedHeaders(req, header),
  };
}

/**
 * A Caller's view bound to one incoming request. Per-call signals and
 * headers still apply, over the request's.
 *
 * @example
 * ```ts
 * app.get("/balance", async (req, res) => {
 *   // aborted if the client leaves; X-Request-Id forwarded
 *   res.json(await billing.bind(req).get("/balance"));
 * });
 * ```
 */
export class BoundCaller extends CallMethods {
  /** Aborts when the client disconnects before its response. */
  readonly signal: AbortSignal;
  private readonly caller: Caller;
  private readonly headers: Record<string, string>;

  constructor(caller: Caller, req: IncomingRequest, options?: BindOptions) {
    super();
    const binding = bindRequest(req, options);
    this.caller = caller;
    this.signal = binding.signal;
    this.headers = binding.headers;
  }

  request<T = unknown>(
    method: CallMethod,
    path: string,
    payload?: CallPayload,
    options: CallOptions = {},
  ): Promise<T> {
    const signal = options.signal === undefined ? this.signal :
      AbortSignal.any([this.signal, options.signal]);
    const headers = { ...this.headers, ...options.headers };
    return this.caller.request<T>(method, path, payload,
      { ...options, signal, headers });
  }
}

/** The bound views `provideCallers()` hands to a route handler. */
export type BoundCallers<T extends Record<string, Caller>> = {
  readonly [K in keyof T]: BoundCaller;
};

/** The middleware of `provideCallers()`, with its typed accessor. */
export interface CallerProvider<T extends Record<string, Caller>> {
  (req: IncomingRequest, res: ServerResponse, next: () => void): void;
  /** The callers bound to `req`; throws if the middleware did not run. */
  from(req: IncomingMessage): BoundCallers<T>;
}

/**
 * Middleware that binds `callers` to each request, read back in route
 * handlers with `provider.from(req)`, typed after the object given.
 * @example
 * const upstreams = provideCallers({ billing, crm });
 * app.use(upstreams);
 * app.get("/invoices", async (req, res) => {
 *   const { billing } = upstreams.from(req);
 *   res.json(await billing.get("/invoices"));
 * });
 */
export function provideCallers<T extends Record<string, Caller>>(
  callers: T,
  options: Omit<BindOptions, "res"> = {},
): CallerProvider<T> {
  const bound = new WeakMap<IncomingMessage, BoundCallers<T>>();

  const middleware = (
    req: IncomingRequest,
    res: ServerResponse,
    next: () => void,
  ): void => {
    const views: Record<string, BoundCaller> = {};
    for (const [name, caller] of Object.entries(callers)) {
      views[name] = caller.bind(req, { ...options, res });
    }
    bound.set(req, views as BoundCallers<T>);
    next();
  };

  return Object.assign(middleware, {
    from(req: IncomingMessage): BoundCallers<T> {
      const views = bound.get(req);
      if (views === undefined) {
        throw new TypeError("caller: provideCallers() middleware did not " +
          "run for this request");
      }
      return views;
    },
  });
}
