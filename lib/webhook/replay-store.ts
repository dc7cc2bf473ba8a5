/**
 * Where a webhook receiver records the deliveries it has accepted, so that a
 * replayed delivery is refused with 409. A store is shared by every request
 * of a receiver (and, for a shared store such as Redis, by every replica), so
 * both operations must be atomic.
 *
 * The receiver claims a delivery's id once its signature and timestamp have
 * passed, keeps the claim when the handler succeeds (the store forgets it
 * after its own TTL), and releases it when the handler fails, so that the
 * provider's retry of that delivery is processed rather than refused.
 */
export interface ReplayStore {
  /**
   * Claims `id` atomically. Resolves a token that identifies this claim when
   * the id was free, or `null` when it is already claimed (a replay).
   * Rejects when the store cannot answer; the receiver then answers 500 and
   * does not call the handler.
   */
  claim(id: string): Promise<string | null>;

  /**
   * Gives up the claim taken with `token`. Must leave the id alone when it
   * is now held under another token (the claim expired and another request
   * took it), so that a slow handler's release cannot free someone else's
   * claim.
   */
  release(id: string, token: string): Promise<void>;
}
