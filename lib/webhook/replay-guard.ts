import type { IncomingMessage, ServerResponse } from "node:http";

import { WebhookReplayError, WebhookReplayStoreError } from "./errors";
import type { WebhookDelivery } from "./handlers";
import type { ReceiverConfig } from "./options";
import type { ReplayStore } from "./replay-store";
import { respond } from "./respond";
import type { VerifiedDelivery } from "./verify";

// Step 5 of the receiver: refusing deliveries already processed, with the
// user's replayCheck and the ReplayStore claims, and giving a claim back
// when its handler failed so that the provider's retry gets through.

/** A delivery's claim in the replay store: what releasing it needs. */
export interface Claim {
  key: string;
  token: string;
}

/**
 * Runs the user's `replayCheck`. Resolves `true` to go on; otherwise the
 * request has been answered (409 for a `WebhookReplayError`, 500 for any
 * other failure).
 */
export async function passesReplayCheck(
  config: ReceiverConfig,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  delivery: WebhookDelivery,
): Promise<boolean> {
  const { replayCheck, logger } = config;
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
export async function claimDelivery(
  config: ReceiverConfig,
  res: ServerResponse,
  delivery: WebhookDelivery,
  verified: VerifiedDelivery,
): Promise<Claim | undefined | false> {
  const { replayStore, logger } = config;
  if (replayStore === undefined) return undefined;

  // without an id, the verified digest identifies the delivery; it is
  // never logged, being a signature
  const key = delivery.id ?? `sig:${verified.digest.toString("hex")}`;
  let token: string | null;
  try {
    token = await replayStore.claim(key);
    // a store written in JavaScript may resolve `false` for a replay: run
    // as a claim, it would let duplicates through, so it is a failure
    if (token !== null && typeof token !== "string") {
      throw new TypeError("claim() resolved neither a token nor null");
    }
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

/**
 * Gives a claim back after its handler failed. Never rejects: a store that
 * cannot release is logged, and the claim then lapses after the store's
 * TTL, so the provider's retry is refused until then.
 */
export async function releaseClaim(
  config: ReceiverConfig,
  claim: Claim | undefined,
  delivery: WebhookDelivery,
): Promise<void> {
  const { replayStore, logger } = config;
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

/**
 * Keeps a claim for the store's full TTL once its handler has succeeded,
 * for stores that hold fresh claims briefly ({@link ReplayStore.commit}).
 * Never rejects: the delivery has been handled, so a store that cannot
 * commit is logged and the answer stands. Returns `undefined`, not a
 * promise, when there is nothing to commit, so that the common path stays
 * synchronous.
 */
export function commitClaim(
  config: ReceiverConfig,
  claim: Claim | undefined,
  delivery: WebhookDelivery,
): Promise<void> | undefined {
  const { replayStore } = config;
  if (claim === undefined || replayStore?.commit === undefined) return;
  return commit(config, replayStore.commit.bind(replayStore), claim, delivery);
}

async function commit(
  config: ReceiverConfig,
  commitClaimed: (id: string, token: string) => Promise<void>,
  claim: Claim,
  delivery: WebhookDelivery,
): Promise<void> {
  try {
    await commitClaimed(claim.key, claim.token);
  } catch (cause) {
    const err = new WebhookReplayStoreError("commit", delivery.id, {
      cause,
    });
    config.logger.warn({ err, deliveryId: delivery.id },
      "webhook replay claim not committed");
  }
}
