// Per-attempt deadlines without a timer per attempt. Every attempt of one
// Caller has the same timeout, so deadlines expire in the order attempts
// start: a queue kept in start order, with one timer armed for its head,
// does the work of a setTimeout per attempt. In the benchmark a timer per
// attempt cost about 6% of the CPU time of a small keep-alive call.
// Times come from the global performance.now(): monotonic, and the one
// fake timers replace.

/**
 * Something with a deadline: it is its own node in the queue, so that a
 * deadline allocates nothing.
 */
export abstract class DeadlineTarget {
  /** @internal when the deadline passes, on performance.now()'s clock */
  deadlineAt = 0;
  /** @internal */
  deadlinePrev: DeadlineTarget | undefined;
  /** @internal */
  deadlineNext: DeadlineTarget | undefined;
  /** @internal */
  isQueued = false;

  /** Called when the deadline passes. */
  abstract expire(): void;
}

/** Deadlines `timeout` ms after their start, in a start-ordered queue. */
export class DeadlineQueue {
  private readonly timeout: number;
  private head: DeadlineTarget | undefined;
  private tail: DeadlineTarget | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(timeout: number) {
    this.timeout = timeout;
  }

  /** Calls `target.expire()` in `timeout` ms unless removed before. */
  add(target: DeadlineTarget): void {
    this.remove(target);
    target.deadlineAt = performance.now() + this.timeout;
    target.deadlinePrev = this.tail;
    target.isQueued = true;

    if (this.tail === undefined) this.head = target;
    else this.tail.deadlineNext = target;
    this.tail = target;

    if (this.timer === undefined) this.arm(this.timeout);
  }

  /** Cancels the deadline of `target`; nothing if it has none. */
  remove(target: DeadlineTarget): void {
    if (!target.isQueued) return;
    target.isQueued = false;

    const { deadlinePrev: prev, deadlineNext: next } = target;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    target.deadlinePrev = undefined;
    target.deadlineNext = undefined;
  }

  // note: the timer is left armed when the queue empties, and unref'd so
  // that it never holds the process open; a pending request holds it open
  // through its socket. Clearing it on every empty queue would bring back
  // a timer per call for callers that make one call at a time.
  private arm(delay: number): void {
    this.timer = setTimeout(this.expireDue, Math.max(1, delay));
    this.timer.unref();
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    const now = performance.now();

    while (this.head !== undefined && this.head.deadlineAt <= now) {
      const expired = this.head;
      this.remove(expired);
      expired.expire();
    }

    if (this.head !== undefined) this.arm(this.head.deadlineAt - now);
  };
}
