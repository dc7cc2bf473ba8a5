import type { IncomingMessage, ServerResponse } from "node:http";

import { readRawBody, type WebhookRequest } from "./body";
import { WebhookBodyError } from "./errors";
import {
  catchAll,
  normalizeHandlers,
  type HandlerTable,
  type WebhookDelivery,
  type WebhookHandler,
  type WebhookHandlers,
  type WebhookMiddleware,
} from "./handlers";
import { normalizeOptions, type ReceiverConfig, type WebhookOptions } from
  "./options";
import { parsePayload, type Payload } from "./payload";
import {
  claimDelivery,
  passesReplayCheck,
  releaseClaim,
  type Claim,
} from "./replay-guard";
import { respond } from "./respond";
import { firstHeader, verifyDelivery, type VerifiedDelivery } from "./verify";

/**
 * An event name or delivery id: from the parsed body when the scheme reads
 * it there, from the first of `headers` present otherwise. Empty is absent.
 */
function readDeliveryField(
  headers: readonly string[],
  field: ((payload: Payload) => string | undefined) | undefined,
  req: IncomingMessage,
  payload: Payload | undefined,
): string | undefined {
  const value = field !== undefined
    ? (payload === undefined ? undefined : field(payload))
    : firstHeader(req.headers, headers);
  return value === "" ? undefined : value;
}

/**
 * Receives signed webhooks: reads the raw body within a size limit,
 * verifies its HMAC signature (and timestamp) in constant time, refuses
 * replays, and dispatches to a handler by event. Every failure has its own
 * status: 413 body too large, 400 body unreadable, 401 signature or
 * timestamp refused, 404 no handler for the event, 409 replay, 500 handler
 * or store failure; a request learns whether an event exists only after
 * its signature passed.
 *
 * The options are validated here, so that a configuration mistake throws a
 * TypeError at startup.
 *
 * @example
 * ```ts
 * const receiver = new WebhookReceiver({ preset: "github", secret });
 * app.use("/hooks/github", receiver.handler({
 *   push: async (req, res, body) => { await enqueue(body); },
 * }));
 * ```
 */
export class WebhookReceiver {
  readonly #config: ReceiverConfig;

  constructor(options: WebhookOptions) {
    this.#config = normalizeOptions(options);
  }

  /**
   * The middleware dispatching verified deliveries to `handlers`. Mount it
   * before any body parser, or after one given `verify: keepRawBody`.
   */
  handler<
    Req extends IncomingMessage = IncomingMessage,
    Res extends ServerResponse = ServerResponse,
  >(handlers: WebhookHandlers<Req, Res>): WebhookMiddleware<Req, Res> {
    const table = normalizeHandlers(handlers);
    const { maxBodyBytes } = this.#config;

    // note: the one closure a request costs, as raw-body takes a callback
    return (req, res) => {
      try {
        readRawBody(req as WebhookRequest, maxBodyBytes, (err, body) => {
          this.#receive(req, res, table, err, body);
        });
      } catch (failure) {
        // raw-body reports through its callback; this is for the unforeseen
        this.#fail(res, failure);
      }
    };
  }

  /** Steps 2 to 6, once the body is read (step 1). Never throws. */
  #receive(
    req: IncomingMessage,
    res: ServerResponse,
    table: HandlerTable,
    err: WebhookBodyError | undefined,
    body: Buffer | undefined,
  ): void {
    try {
      if (err !== undefined || body === undefined) {
        this.#refuseBody(res, err);
        return;
      }
      this.#verifyAndDispatch(req, res, table, body);
    } catch (failure) {
      this.#fail(res, failure);
    }
  }

  /** A bug of the receiver itself: still a 500, never a crash. */
  #fail(res: ServerResponse, err: unknown): void {
    this.#config.logger.error({ err }, "webhook receiver failed");
    respond(res, 500);
  }

  /** Runs `work` apart from the request's callback, failing it with 500. */
  #detach(res: ServerResponse, work: Promise<void> | void): void {
    if (work !== undefined) work.catch((err) => this.#fail(res, err));
  }

  #verifyAndDispatch(
    req: IncomingMessage,
    res: ServerResponse,
    table: HandlerTable,
    body: Buffer,
  ): void {
    const config = this.#config;

    // 2-3. signature and timestamp
    const verified = verifyDelivery(config, req.headers, body);
    if (typeof verified === "string") {
      // note: warn, since a wrong secret shows up here first; a flood of
      // forged requests floods the log too, so rate-limit upstream
      config.logger.warn({ reason: verified }, "webhook signature refused");
      respond(res, 401);
      return;
    }

    // 4. the handler, found by event only now that the sender is known
    const payload = config.eventField !== undefined ||
      config.idField !== undefined
      ? parsePayload(body, config.acceptsForm)
      : undefined;
    const event = readDeliveryField(
      config.eventHeaders, config.eventField, req, payload,
    );
    const handler = (event !== undefined ? table.get(event) : undefined) ??
      table.get(catchAll);
    if (handler === undefined) {
      config.logger.warn({ event }, "webhook event has no handler");
      respond(res, 404);
      return;
    }

    const delivery: WebhookDelivery = {
      event,
      id: readDeliveryField(config.idHeaders, config.idField, req, payload),
      timestamp: verified.timestamp,
    };

    // 5. replay protection, when configured: the only asynchronous step
    // before the handler
    if (config.replayCheck !== undefined || config.replayStore !== undefined) {
      this.#detach(res, this.#guardReplay(
        handler, req, res, body, delivery, verified,
      ));
      return;
    }

    // 6. the handler
    this.#dispatch(handler, req, res, body, delivery, undefined);
  }

  async #guardReplay(
    handler: WebhookHandler,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    delivery: WebhookDelivery,
    verified: VerifiedDelivery,
  ): Promise<void> {
    const config = this.#config;
    if (!(await passesReplayCheck(config, req, res, body, delivery))) return;

    const claim = await claimDelivery(config, res, delivery, verified);
    if (claim === false) return;

    this.#dispatch(handler, req, res, body, delivery, claim);
  }

  #refuseBody(res: ServerResponse, err: unknown): void {
    const problem = err instanceof WebhookBodyError
      ? err.problem
      : "unreadable";
    const { logger } = this.#config;

    if (problem === "consumed") {
      logger.error({ err }, "webhook raw body unavailable");
      respond(res, 500);
      return;
    }

    logger.warn({ err }, problem === "too-large"
      ? "webhook body too large"
      : "webhook body unreadable");
    // the rest of the body was not read: close rather than parse it as the
    // connection's next request
    respond(res, problem === "too-large" ? 413 : 400, true);
  }

  /**
   * Calls the handler. A handler that returns a value other than a promise
   * is settled at once, without a promise of the receiver's own.
   */
  #dispatch(
    handler: WebhookHandler,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    delivery: WebhookDelivery,
    claim: Claim | undefined,
  ): void {
    let result: unknown;
    try {
      result = handler(req, res, body, delivery);
    } catch (err) {
      this.#detach(res, this.#handlerFailed(res, delivery, claim, err));
      return;
    }

    if (!isPromiseLike(result)) {
      this.#detach(res, this.#handlerDone(res, delivery, claim));
      return;
    }
    this.#detach(res, Promise.resolve(result).then(
      () => this.#handlerDone(res, delivery, claim),
      (err: unknown) => this.#handlerFailed(res, delivery, claim, err),
    ));
  }

  #handlerDone(
    res: ServerResponse,
    delivery: WebhookDelivery,
    claim: Claim | undefined,
  ): Promise<void> | void {
    if (!res.headersSent) {
      respond(res, 200);
      return;
    }
    // a handler that answered 5xx itself asks for a retry too
    if (res.statusCode >= 500) {
      return releaseClaim(this.#config, claim, delivery);
    }
  }

  async #handlerFailed(
    res: ServerResponse,
    delivery: WebhookDelivery,
    claim: Claim | undefined,
    err: unknown,
  ): Promise<void> {
    // the provider retries a failed delivery: free its id for the retry
    await releaseClaim(this.#config, claim, delivery);
    this.#config.logger.error(
      { err, event: delivery.event, deliveryId: delivery.id },
      "webhook handler failed",
    );

    if (!res.headersSent) respond(res, 500);
    // a response already under way cannot become a 500: cut it, so that
    // the provider sees a failure rather than a truncated success
    else if (!res.writableEnded) res.destroy();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * The short form of {@link WebhookReceiver}: validates `options` and
 * `handlers` now (throwing a TypeError on a mistake) and returns the
 * middleware.
 *
 * @example
 * ```ts
 * app.use("/hooks/payments", webhook({ secret: process.env.HOOK_SECRET }, {
 *   "payment.succeeded": async (req, res, body) => { await record(body); },
 * }));
 * app.use(express.json());
 * ```
 */
export function webhook<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(
  options: WebhookOptions,
  handlers: WebhookHandlers<Req, Res>,
): WebhookMiddleware<Req, Res> {
  return new WebhookReceiver(options).handler(handlers);
}
