import type { IncomingMessage, ServerResponse } from "node:http";

import { readRawBody, type WebhookRequest } from "./body";
import { WebhookBodyError, WebhookReplayError, WebhookReplayStoreError } from
  "./errors";
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
    return (req, res) => {
      void this.#receive(req, res, table);
    };
  }

  async #receive(
    req: IncomingMessage,
    res: ServerResponse,
    table: HandlerTable,
  ): Promise<void> {
    try {
      await this.#process(req, res, table);
    } catch (err) {
      // a bug of the receiver itself: still a 500, never a crash
      this.#config.logger.error({ err }, "webhook receiver failed");
      respond(res, 500);
    }
  }

  async #process(
    req: IncomingMessage,
    res: ServerResponse,
    table: HandlerTable,
  ): Promise<void> {
    const config = this.#config;

    // 1. the raw body, within maxBodyBytes
    let body: Buffer;
    try {
      body = await readRawBody(req as WebhookRequest, config.maxBodyBytes);
    } catch (err) {
      this.#refuseBody(res, err);
      return;
    }

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

    // 5. replay protection; skipped without a promise when not configured
    if (config.replayCheck !== undefined &&
      !(await this.#passesReplayCheck(req, res, body, delivery))) {
      return;
    }
    const claim = config.replayStore === undefined
      ? undefined
      : await this.#claim(res, delivery, verified);
    if (claim === false) return;

    // 6. the handler
    await this.#dispatch(handler, req, res, body, delivery, claim);
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

  async #passesReplayCheck(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    delivery: WebhookDelivery,
  ): Promise<boolean> {
    const { replayCheck, logger } = this.#config;
    if (replayCheck === undefined) return true;

    try {
      await replayCheck(req, body);
      return true;
    } catch (err) {
      if (err instanceof WebhookReplayError) {
        logger.warn({ deliveryId: err.deliveryId ?? delivery.id },
          "webhook delivery replayed");
        respond(res, 409);
      } else {
        logger.error({ err, event: delivery.event, deliveryId: delivery.id },
          "webhook replay check failed");
        respond(res, 500);
      }
      return false;
    }
  }

  /**
   * Claims the delivery in the replay store. Resolves the claim (its key and
   * token) to release on failure, `undefined` without a store, or `false`
   * when the request has been answered (409, 500).
   */
  async #claim(
    res: ServerResponse,
    delivery: WebhookDelivery,
    verified: VerifiedDelivery,
  ): Promise<Claim | undefined | false> {
    const { replayStore, logger } = this.#config;
    if (replayStore === undefined) return undefined;

    // without an id, the verified digest identifies the delivery; it is
    // never logged, being a signature
    const key = delivery.id ?? `sig:${verified.digest.toString("hex")}`;
    let token: string | null;
    try {
      token = await replayStore.claim(key);
    } catch (cause) {
      const err = new WebhookReplayStoreError("claim", delivery.id, {
        cause,
      });
      logger.error({ err, event: delivery.event, deliveryId: delivery.id },
        "webhook replay store failed");
      respond(res, 500);
      return false;
    }

    if (token === null) {
      logger.warn({ event: delivery.event, deliveryId: delivery.id },
        "webhook delivery replayed");
      respond(res, 409);
      return false;
    }
    return { key, token };
  }

  async #release(claim: Claim | undefined, delivery: WebhookDelivery) {
    const { replayStore, logger } = this.#config;
    if (claim === undefined || replayStore === undefined) return;

    try {
      await replayStore.release(claim.key, claim.token);
    } catch (cause) {
      const err = new WebhookReplayStoreError("release", delivery.id, {
        cause,
      });
      logger.warn({ err, deliveryId: delivery.id },
        "webhook replay claim not released");
    }
  }

  async #dispatch(
    handler: WebhookHandler,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    delivery: WebhookDelivery,
    claim: Claim | undefined,
  ): Promise<void> {
    try {
      await handler(req, res, body, delivery);
    } catch (err) {
      // the provider retries a failed delivery: free its id for the retry
      await this.#release(claim, delivery);
      this.#config.logger.error(
        { err, event: delivery.event, deliveryId: delivery.id },
        "webhook handler failed",
      );
      if (!res.headersSent) respond(res, 500);
      // a response already under way cannot become a 500: cut it, so that
      // the provider sees a failure rather than a truncated success
      else if (!res.writableEnded) res.destroy();
      return;
    }

    // a handler that answered 5xx itself asks for a retry too
    if (res.headersSent) {
      if (res.statusCode >= 500) await this.#release(claim, delivery);
      return;
    }
    respond(res, 200);
  }
}

interface Claim {
  key: string;
  token: string;
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
