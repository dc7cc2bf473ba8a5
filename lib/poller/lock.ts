/**
 * A lock that lets one of several replicas run a poller's ticks. The poller
 * asks for it before every tick and runs `fn` only when it holds it; a tick
 * skipped because another replica holds the lock is not an error.
 *
 * The lock is held across ticks: once taken, the holder keeps it (renewing
 * it in the background) until {@link PollerLock.release} is called when the
 * poller stops, or until it is lost because its store or its process died.
 * Leadership thus stays on one replica instead of moving on every tick.
 */
export interface PollerLock {
  /**
   * Called before each tick. Resolves a signal when this process holds the
   * lock, taken now or kept from an earlier tick; the signal aborts if the
   * lock is lost later (a renewal failed), and the poller passes that on to
   * `fn`. Resolves `null` when another holder has it: the tick is skipped.
   * Rejects when the store cannot answer: the tick is skipped and logged.
   *
   * `signal` aborts when the poller stops. The poller stops waiting for
   * the acquire then, whatever the lock does, and calls `release()`; a
   * lock may also use it to give up its own wait early.
   */
  acquire(signal?: AbortSignal): Promise<AbortSignal | null>;

  /** Gives up the lock if this process holds it. Idempotent. */
  release(): Promise<void>;
}
