/**
 * Where a webhook receiver records the deliveries it has accepted, so that a
 * replayed delivery is refused with 409. A store is shared by every request
 * of a receiver (and, for a shared store such as Redis, by every replica), so
 * every operation must be atomic.
 *
 * The receiver claims a delivery's id once its signature and timestamp have
 * passed, keeps the claim when the handler succeeds (the store forgets it
 * after its own TTL), and releases it when the handler fails, so that the
 * provider's retry of that delivery is processed rather than refused.
 *
 * A store shared between processes should also implement
 * {@link ReplayStore.commit}: it then holds a fresh claim only briefly, so
 * that a process that dies in the middle of a handler (and so never
 * releases) blocks the provider's retries for minutes, not for the whole
 * TTL.
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

  /**
   * Optional. Called once the handler has succeeded: keeps the claim taken
   * with `token` for the store's full TTL. A store that has `commit` may
   * hold a claim that is not yet committed for a shorter time. Must leave
   * the id alone when it is held under another token. A rejection is
   * logged; the delivery has been handled, so its answer does not change.
   */
  commit?(id: string, token: string): Promise<void>;
}
