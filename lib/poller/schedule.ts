// The fixed-rate plan of a poller's ticks. Slot k is planned at
// `origin + k * interval` on a monotonic clock, so a late timer or a slow
// tick never shifts the slots after it: lateness cannot add up over hours
// the way it does when each tick schedules the next from its own end.

/** One planned tick. */
export interface Slot {
  /** The slot's number on the grid, 0 being the moment of `start()`. */
  readonly index: number;
  /** When the tick should start, in `performance.now()` milliseconds. */
  readonly startAt: number;
  /** How many slots were passed over to reach this one (never replayed). */
  readonly missed: number;
}

export interface ScheduleOptions {
  /** `performance.now()` at `start()`. */
  origin: number;
  interval: number;
  runOnStart: boolean;
  /** Fraction of `interval`, 0 to 1. */
  jitter: number;
  /** Returns a number in [0, 1); `Math.random` outside tests. */
  random?: () => number;
}

export class Schedule {
  readonly #origin: number;
  readonly #interval: number;
  readonly #runOnStart: boolean;
  readonly #jitter: number;
  readonly #random: () => number;

  constructor(options: ScheduleOptions) {
    this.#origin = options.origin;
    this.#interval = options.interval;
    this.#runOnStart = options.runOnStart;
    this.#jitter = options.jitter;
    this.#random = options.random ?? Math.random;
  }

  /** The first slot: at once with `runOnStart`, else one interval later. */
  first(): Slot {
    if (this.#runOnStart) return { index: 0, startAt: this.#origin, missed: 0 };
    return this.#planned(1, 0);
  }

  /**
   * The slot after `previous`, for a tick that ended at `now`. When that
   * slot's time has already passed (the tick overran), the next tick starts
   * at once, on the latest slot that is due, and the slots in between are
   * counted as missed rather than run back to back.
   */
  next(previous: Slot, now: number): Slot {
    const index = previous.index + 1;
    if (this.#timeOf(index) > now) return this.#planned(index, 0);

    const due = Math.floor((now - this.#origin) / this.#interval);
    return { index: due, startAt: now, missed: due - index };
  }

  #planned(index: number, missed: number): Slot {
    // each slot draws its own offset from the grid, so jitter spreads
    // replicas without ever moving the grid itself
    const offset = this.#jitter * this.#interval * this.#random();
    return { index, startAt: this.#timeOf(index) + offset, missed };
  }

  #timeOf(index: number): number {
    return this.#origin + index * this.#interval;
  }
}
