import type {
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from "node:http";

import { readRawBody, refuseBody, type WebhookRequest } from "./body";
import { describeDelivery } from "./delivery";
import type { WebhookBodyError } from "./errors";
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
import {
  claimDelivery,
  commitClaim,
  passesReplayCheck,
  releaseClaim,
  type Claim,
} from "./replay-guard";
import { answerForHandler, respond } from "./respond";
import {
  verifyDelivery,
  type VerifiedDelivery,
  type WebhookVerification,
} from "./verify";

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

  /**
   * Verifies a delivery received some other way than through the
   * middleware (a serverless function, a message queue): the signature and
   * timestamp of `body` under `headers`, as the middleware would, without
   * answering, dispatching or replay protection. Never throws for a bad
   * delivery; header names may be in any case.
   *
   * @example
   * ```ts
   * const result = receiver.verify(event.headers, Buffer.from(event.body));
   * if (!result.verified) return { statusCode: 401 };
   * ```
   */
  verify(
    headers: IncomingHttpHeaders | Readonly<Record<string, string>>,
    body: Buffer,
  ): WebhookVerification {
    const lowercase: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      lowercase[name.toLowerCase()] = value;
    }

    const verified = verifyDelivery(this.#config, lowercase, body);
    if (typeof verified === "string") {
      return { verified: false, reason: verified };
    }
    return {
      verified: true,
      delivery: describeDelivery(this.#config, lowercase, body, verified),
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
        refuseBody(this.#config.logger, res, err);
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
    const delivery = describeDelivery(config, req.headers, body, verified);
    const { event } = delivery;
    const handler = (event !== undefined ? table.get(event) : undefined) ??
      table.get(catchAll);
    if (handler === undefined) {
      config.logger.warn({ event }, "webhook event has no handler");
      respond(res, 404);
      return;
    }

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
    // the status a handler leaves set is its answer: start from Node's 200
    // whatever ran before (Koa, through koa-connect, starts at 404)
    res.statusCode = 200;

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
    // a handler that answered 5xx (or set it) asks for a retry, as a throw
    // does: the claim is released before the answer, for the retry to pass
    if (res.statusCode >= 500) {
      return releaseClaim(this.#config, claim, delivery)
        .then(() => answerForHandler(res));
    }

    // handled: keep the claim for the store's full TTL; committed before
    // the answer, so that a duplicate racing the answer is still refused
    const committed = commitClaim(this.#config, claim, delivery);
    if (committed === undefined) return answerForHandler(res);
    return committed.then(() => answerForHandler(res));
  }

  async #handlerFailed(
    res: ServerResponse,
    delivery: WebhookDelivery,
    claim: Claim | undefined,
    err: unknown,
  ): Promise<void> {
    // the provider retries a failed delivery: free its id for the retry.
    // A success the handler answered in full before failing is committed
    // instead: the provider will not retry it, and a replay must not
    // repeat it.
    if (res.writableEnded && res.statusCode < 500) {
      await commitClaim(this.#config, claim, delivery);
    } else {
      await releaseClaim(this.#config, claim, delivery);
    }
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
