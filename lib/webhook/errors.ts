import { IntegrationKitError } from "../errors";

/**
 * Thrown by a `replayCheck` to refuse a delivery already processed: the
 * receiver answers 409 and does not call the handler.
 *
 * @example
 * ```ts
 * replayCheck: async (req) => {
 *   const id = String(req.headers["x-webhook-id"]);
 *   if (await seen(id)) throw new WebhookReplayError(id);
 * }
 * ```
 */
export class WebhookReplayError extends IntegrationKitError {
  /** The id of the refused delivery, when the check knows it. */
  readonly deliveryId: string | undefined;

  constructor(deliveryId?: string, options?: { cause?: unknown }) {
    super("webhook delivery already processed", "ERR_WEBHOOK_REPLAY", options);
    this.deliveryId = deliveryId;
  }
}

/** Why a request body could not be used; each maps to one status. */
export type WebhookBodyProblem =
  | "too-large"
  | "unreadable"
  | "consumed";

const bodyCodes: Record<WebhookBodyProblem, string> = {
  "too-large": "ERR_WEBHOOK_BODY_TOO_LARGE",
  unreadable: "ERR_WEBHOOK_BODY_UNREADABLE",
  consumed: "ERR_WEBHOOK_BODY_CONSUMED",
};

const bodyStatuses: Record<WebhookBodyProblem, number> = {
  "too-large": 413,
  unreadable: 400,
  consumed: 500,
};

/**
 * The raw body of a delivery could not be obtained: it was over
 * `maxBodyBytes` (413), the read failed (400: client aborted, length
 * mismatch), or a body parser consumed the stream without keeping the raw
 * bytes (500, a configuration mistake). The receiver logs it; it is never
 * thrown to the application.
 */
export class WebhookBodyError extends IntegrationKitError {
  /** What went wrong, as a stable keyword. */
  readonly problem: WebhookBodyProblem;

  /** The HTTP status the receiver answers with. */
  readonly statusCode: number;

  /** The body size limit in bytes that applied. */
  readonly maxBodyBytes: number;

  constructor(
    problem: WebhookBodyProblem,
    message: string,
    maxBodyBytes: number,
    options?: { cause?: unknown },
  ) {
    super(message, bodyCodes[problem], options);
    this.problem = problem;
    this.statusCode = bodyStatuses[problem];
    this.maxBodyBytes = maxBodyBytes;
  }
}

/** The replay store operations the receiver calls. */
export type ReplayStoreOperation = "claim" | "commit" | "release";

/**
 * The replay store rejected a claim, a commit or a release. The receiver
 * answers 500 without calling the handler (a claim) or only logs it (a
 * commit or a release: the handler has run); the store's own error is
 * kept as `cause`.
 */
export class WebhookReplayStoreError extends IntegrationKitError {
  /** The store operation that failed. */
  readonly operation: ReplayStoreOperation;

  /** The id of the delivery concerned, when it has one. */
  readonly deliveryId: string | undefined;

  constructor(
    operation: ReplayStoreOperation,
    deliveryId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `webhook replay store failed to ${operation} a delivery`,
      "ERR_WEBHOOK_REPLAY_STORE",
      options,
    );
    this.operation = operation;
    this.deliveryId = deliveryId;
  }
}
