import type { IncomingMessage, ServerResponse } from "node:http";

import { invalidOption } from "../validate";

/** What the receiver knows about a verified delivery, for its handler. */
export interface WebhookDelivery {
  /** The event name that selected the handler, when the delivery has one. */
  event: string | undefined;
  /** The provider's delivery id, when the delivery has one. */
  id: string | undefined;
  /** The signed time of sending in ms since the epoch, when signed. */
  timestamp: number | undefined;
}

/**
 * Handles one verified delivery; `body` is its exact raw bytes. Answering
 * is optional: when the handler returns (or its promise resolves) without
 * having started a response, the receiver answers 200, or the status the
 * handler set (`res.statusCode = 202`). A throw or a rejection is answered
 * 500 and logged.
 */
export type WebhookHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res, body: Buffer, delivery: WebhookDelivery) => unknown;

/** Handlers by event name; `"*"` takes the events without their own. */
export type WebhookHandlers<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = Readonly<Record<string, WebhookHandler<Req, Res>>>;

/**
 * A Connect-style middleware. It answers every request itself and never
 * calls `next`.
 */
export type WebhookMiddleware<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res, next?: (err?: unknown) => void) => void;

/** The handlers by event, as the receiver looks them up. */
export type HandlerTable = ReadonlyMap<string, WebhookHandler>;

/** The key of the handler that takes events without their own. */
export const catchAll = "*";

/**
 * Checks the handlers argument and turns it into a table, throwing a
 * TypeError for a mistake.
 */
export function normalizeHandlers(handlers: unknown): HandlerTable {
  if (typeof handlers !== "object" || handlers === null ||
    Object.keys(handlers).length === 0) {
    return invalidOption("webhook", "handlers", "an object of event handlers");
  }

  // a Map, so that an event named `constructor` or `__proto__` finds nothing
  const table = new Map<string, WebhookHandler>();
  for (const [event, handler] of Object.entries(handlers)) {
    if (typeof handler !== "function") {
      const name = `handlers[${JSON.stringify(event)}]`;
      invalidOption("webhook", name, "a function");
    }
    table.set(event, handler as WebhookHandler);
  }
  return table;
}
