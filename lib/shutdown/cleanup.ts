import type { Logger } from "../logger";

/** A cleanup step run at the end of shutdown: close a pool, flush a queue. */
export type CleanupHook = () => unknown;

interface Hook {
  readonly name: string;
  readonly run: CleanupHook;
}

/**
 * The cleanup hooks of a shutdown, run one after the other in the order
 * they were added, each awaited, once the server and the tasks are done.
 * A hook that fails is logged and the next one still runs.
 */
export class CleanupHooks {
  readonly #hooks: Hook[] = [];
  readonly #logger: Logger;
  #next = 0;
  #running: string | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(run: CleanupHook, name: string | undefined): void {
    this.#hooks.push({ name: name ?? `hook ${this.#hooks.length + 1}`, run });
  }

  /** Runs every hook not yet run; resolves false if any failed. */
  async runAll(): Promise<boolean> {
    let succeeded = true;
    while (this.#next < this.#hooks.length) {
      const hook = this.#hooks[this.#next] as Hook;
      this.#next += 1;
      this.#running = hook.name;

      try {
        await hook.run();
      } catch (error) {
        succeeded = false;
        this.#logger.error({ err: error, hook: hook.name },
          "shutdown cleanup failed");
      }
    }

    this.#running = undefined;
    return succeeded;
  }

  /** The hook running now and those after it, by name. */
  pending(): string[] {
    const waiting = this.#hooks.slice(this.#next).map((hook) => hook.name);
    return this.#running === undefined ? waiting : [this.#running, ...waiting];
  }
}
