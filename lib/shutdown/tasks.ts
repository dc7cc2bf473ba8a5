import type { Logger } from "../logger";

/**
 * Something shutdown can stop and wait for, such as a {@link Poller}:
 * `stop()` is called when shutdown begins and its promise is awaited.
 */
export interface Stoppable {
  readonly name?: string;
  stop(): PromiseLike<unknown>;
}

/** What {@link GracefulShutdown.waitFor} accepts. */
export type ShutdownTask = Stoppable | PromiseLike<unknown>;

interface Entry {
  readonly name: string;
  readonly stoppable: Stoppable | undefined;
  settled: Promise<void> | undefined;
  done: boolean;
}

/**
 * The work shutdown waits for before its cleanup hooks run. A promise is
 * followed from the moment it is added, so that a rejection is logged when
 * it happens and never goes unhandled; a stoppable is stopped only when
 * shutdown begins.
 */
export class TaskSet {
  readonly #entries: Entry[] = [];
  readonly #logger: Logger;
  #stopping = false;
  #failed = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** True once a task has rejected (or a stop() has thrown). */
  get failed(): boolean {
    return this.#failed;
  }

  add(task: ShutdownTask, name: string | undefined): void {
    const stoppable = isStoppable(task) ? task : undefined;
    const label = name ?? stoppable?.name ?? `task ${this.#entries.length + 1}`;
    const entry: Entry = {
      name: label, stoppable, settled: undefined, done: false,
    };
    this.#entries.push(entry);

    // a stoppable added after shutdown began is stopped at once
    if (!stoppable) this.#follow(entry, () => task as PromiseLike<unknown>);
    else if (this.#stopping) this.#follow(entry, () => stoppable.stop());
  }

  /** Stops every stoppable; their stop() promises are then waited for. */
  stopAll(): void {
    this.#stopping = true;
    for (const entry of this.#entries) {
      const { stoppable } = entry;
      if (stoppable && !entry.settled) {
        this.#follow(entry, () => stoppable.stop());
      }
    }
  }

  /** Resolves once every task, including any added meanwhile, settled. */
  async settled(): Promise<void> {
    let waiting = this.#unsettled();
    while (waiting.length > 0) {
      await Promise.all(waiting.map((entry) => entry.settled));
      waiting = this.#unsettled();
    }
  }

  /** The names of the tasks not yet settled. */
  pending(): string[] {
    return this.#entries
      .filter((entry) => !entry.done)
      .map((entry) => entry.name);
  }

  #unsettled(): Entry[] {
    return this.#entries.filter((entry) => !entry.done && entry.settled);
  }

  #follow(entry: Entry, run: () => PromiseLike<unknown>): void {
    const onFailure = (error: unknown): void => {
      this.#failed = true;
      this.#logger.error({ err: error, task: entry.name },
        "shutdown task failed");
    };

    // Promise.resolve().then() turns a synchronous throw of stop() into a
    // rejection, and a thenable into a real promise
    entry.settled = Promise.resolve()
      .then(run)
      .then(() => undefined, onFailure)
      .finally(() => {
        entry.done = true;
      });
  }
}

function isStoppable(task: ShutdownTask): task is Stoppable {
  return typeof (task as Partial<Stoppable>).stop === "function";
}
