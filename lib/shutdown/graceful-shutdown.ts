import { setMaxListeners } from "node:events";
import { setLongTimeout } from "../long-timeout";
import { guardLogger, type Logger } from "../logger";
import { CleanupHooks, type CleanupHook } from "./cleanup";
import {
  checkServer,
  ConnectionTracker,
  type ShutdownServer,
} from "./connections";
import {
  ShutdownError,
  ShutdownTimeoutError,
  type ShutdownPhase,
} from "./errors";
import {
  normalizeShutdownOptions,
  type GracefulShutdownOptions,
  type NormalizedShutdownOptions,
} from "./options";
import { TaskSet, type ShutdownTask } from "./tasks";

type Phase = "running" | "draining" | "exited";

/**
 * The handle {@link gracefulShutdown} returns: the signal that tells the
 * application shutdown has begun, readiness, and the registration of what
 * shutdown must wait for and clean up.
 */
export class GracefulShutdown {
  /**
   * Aborts, with a {@link ShutdownError}, the moment shutdown begins. Pass
   * it to `poller.start()` and to long-running work.
   */
  readonly signal: AbortSignal;

  readonly #options: NormalizedShutdownOptions;
  readonly #logger: Logger;
  readonly #server: ShutdownServer | null;
  readonly #connections: ConnectionTracker | undefined;
  readonly #tasks: TaskSet;
  readonly #hooks: CleanupHooks;
  readonly #controller = new AbortController();
  readonly #timers = new Set<() => void>();
  #phase: Phase = "running";
  #signalled = false;
  #serverClosed = false;
  #ending: Promise<number> | undefined;
  #settle: (code: number) => void = () => undefined;

  constructor(server: ShutdownServer | null, options: GracefulShutdownOptions) {
    this.#options = normalizeShutdownOptions(options);
    this.#logger = guardLogger(this.#options.logger);
    this.#server = checkServer(server);
    this.#connections = this.#server
      ? new ConnectionTracker(this.#server)
      : undefined;
    this.#tasks = new TaskSet(this.#logger);
    this.#hooks = new CleanupHooks(this.#logger);
    this.signal = this.#controller.signal;
    // the signal is meant to be shared by every poller and long call of
    // the app, each removing its listener when done: the default limit of
    // 10 listeners would report a leak that is not one
    setMaxListeners(0, this.signal);

    for (const name of this.#options.signals) process.on(name, this.#onSignal);
  }

  /** True from the moment shutdown begins: report not-ready. */
  get isShuttingDown(): boolean {
    return this.#phase !== "running";
  }

  /**
   * Begins shutdown as a signal would. Resolves the exit code once
   * `exit` has been called with it; a second call returns the same
   * promise.
   */
  begin(): Promise<number> {
    return this.#begin("begin()");
  }

  /**
   * Makes shutdown wait for `task` before its cleanup hooks run: a
   * promise (such as the one `poller.start()` returns), or an object with
   * `stop()` (such as a {@link Poller}), stopped when shutdown begins.
   * `name` is used in logs; a poller's own name is the default. A task
   * handed over during shutdown is waited for too: by a request in flight
   * before the hooks, by a hook before the exit.
   */
  waitFor(task: ShutdownTask, name?: string): this {
    this.#tasks.add(task, name);
    return this;
  }

  /**
   * Adds a cleanup hook (close a database pool). Hooks run last, in the
   * order they were added, each awaited, within `cleanupTimeout`, and
   * also after `timeout` has passed; one that fails is logged and makes
   * the exit code 1.
   */
  addCleanup(hook: CleanupHook, name?: string): this {
    if (typeof hook !== "function") {
      throw new TypeError("gracefulShutdown: addCleanup() takes a function");
    }
    this.#hooks.add(hook, name);
    return this;
  }

  /**
   * Removes the signal listeners and the server listeners without shutting
   * down. Shutdown does it by itself when it calls `exit`.
   */
  dispose(): void {
    for (const name of this.#options.signals) {
      process.off(name, this.#onSignal);
    }
    this.#connections?.dispose();
    for (const cancel of this.#timers) cancel();
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    // the first signal begins shutdown, or joins one that begin() started
    // (an application giving up on a fatal error, then its supervisor
    // sending SIGTERM): only a signal after a signal forces the exit
    if (!this.#signalled) {
      this.#signalled = true;
      void this.#begin(signal);
      return;
    }

    // someone wants out now: a second Ctrl-C, an impatient supervisor
    this.#logger.warn({ signal, pending: this.#pending() },
      "shutdown forced by a second signal");
    this.#abandon();
  };

  #begin(trigger: string): Promise<number> {
    this.#ending ??= new Promise<number>((resolve) => {
      this.#settle = resolve;
      this.#run(trigger).catch((error: unknown) => {
        // only a bug of this module can land here; leave no process behind
        this.#logger.error({ err: error }, "shutdown failed");
        this.#abandon();
      });
    });
    return this.#ending;
  }

  async #run(trigger: string): Promise<void> {
    const logger = this.#logger;
    const startedAt = performance.now();
    this.#phase = "draining";
    logger.info?.({
      trigger, timeout: this.#options.timeout, waitingFor: this.#pending(),
    }, "shutdown begun");

    // stop the background work first: it needs no load balancer to drain
    this.#controller.abort(new ShutdownError(trigger));
    this.#tasks.stopAll();
    this.#connections?.refuseKeepAlive();

    const drained = await this.#drain();
    if (this.#hasExited()) return;

    // the hooks run even after a timeout, on a budget of their own: a pool
    // or a queue left unflushed loses more than the seconds they take
    const cleaned = await this.#cleanUp(drained);
    if (this.#hasExited()) return;

    const code = drained && cleaned && !this.#tasks.failed ? 0 : 1;
    const duration = Math.round(performance.now() - startedAt);
    logger.info?.({ code, duration }, "shutdown complete");
    this.#exit(code);
  }

  /**
   * Closes the server and waits for the requests and the tasks, within
   * `timeout` of the start; past it destroys the connections left and
   * resolves false.
   */
  async #drain(): Promise<boolean> {
    const { timeout, closeDelay } = this.#options;
    const drained = (async () => {
      // readiness already says 503: give the load balancer time to notice
      if (closeDelay > 0) await this.#sleep(closeDelay);

      await Promise.all([this.#closeServer(), this.#tasks.settled()]);
      // a request in flight may have handed over a task while it finished
      await this.#tasks.settled();
      return true;
    })();

    const timedOut = this.#sleep(timeout).then(() => false);
    if (await Promise.race([drained, timedOut])) return true;

    this.#logTimeout("drain", timeout);
    this.#connections?.destroyAll();
    return false;
  }

  /**
   * Runs the cleanup hooks within `cleanupTimeout`, then waits for the
   * tasks handed over meanwhile (unless the drain timed out: what was
   * stuck then is stuck still). Resolves false if a hook failed or the
   * budget ran out.
   */
  async #cleanUp(drained: boolean): Promise<boolean> {
    const { cleanupTimeout } = this.#options;
    const cleaned = (async () => {
      const succeeded = await this.#hooks.runAll();
      if (drained) await this.#tasks.settled();
      return succeeded;
    })();
    const timedOut = this.#sleep(cleanupTimeout).then(() => "timeout" as const);
    const outcome = await Promise.race([cleaned, timedOut]);
    if (outcome !== "timeout") return outcome;

    this.#logTimeout("cleanup", cleanupTimeout);
    return false;
  }

  #closeServer(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();

    return new Promise<void>((resolve) => {
      // close() also closes the idle keep-alive connections at once (Node
      // 19 and later); its callback runs once every connection is gone.
      // An error only says the server was not listening: as good as closed
      server.close(() => {
        this.#serverClosed = true;
        resolve();
      });
    });
  }

  #logTimeout(phase: ShutdownPhase, budget: number): void {
    // the hooks have not begun when the drain times out: they run next
    const pending = this.#pending(phase === "cleanup");
    const error = new ShutdownTimeoutError(budget, pending, phase);
    const msg = phase === "drain"
      ? "shutdown timed out"
      : "shutdown cleanup timed out";
    this.#logger.error({ err: error, pending }, msg);
  }

  /** Gives up on what remains: destroys the connections, exits with 1. */
  #abandon(): void {
    this.#connections?.destroyAll();
    this.#exit(1);
  }

  /** What shutdown is still waiting for, for the timeout's log line. */
  #pending(withHooks = true): string[] {
    const pending: string[] = [];
    if (this.#connections && !this.#serverClosed) {
      pending.push(this.#connections.describe());
    }
    for (const name of this.#tasks.pending()) pending.push(`task: ${name}`);
    if (!withHooks) return pending;

    for (const name of this.#hooks.pending()) pending.push(`cleanup: ${name}`);
    return pending;
  }

  // a timeout or a second signal may have ended it while #run() waited
  #hasExited(): boolean {
    return this.#phase === "exited";
  }

  /** Resolves after `ms`; never with `Infinity`. Cancelled by dispose(). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = setLongTimeout(() => {
        this.#timers.delete(cancel);
        resolve();
      }, ms);
      this.#timers.add(cancel);
    });
  }

  #exit(code: number): void {
    if (this.#phase === "exited") return;

    this.#phase = "exited";
    this.dispose();
    try {
      this.#options.exit(code);
    } catch (error) {
      // a test's process.exit mock that throws, say: begin() still settles
      this.#logger.error({ err: error, code }, "shutdown exit failed");
    }
    this.#settle(code);
  }
}

/**
 * Hooks an HTTP(S) server (an Express app's `listen()` result; `null` for
 * a process without one) and the application's background work into the
 * process's shutdown signals. On SIGTERM or SIGINT it stops accepting
 * connections, aborts `signal`, lets requests in flight finish while
 * closing keep-alive connections as soon as they are idle, waits for the
 * registered tasks, runs the cleanup hooks and exits with code 0; past
 * `timeout` it destroys what remains, logs what was pending, runs the
 * cleanup hooks all the same and exits with code 1. A second signal exits
 * at once with code 1.
 *
 * @example
 * const server = app.listen(3000);
 * const shutdown = gracefulShutdown(server, { timeout: 10_000, logger });
 * shutdown.waitFor(sync);
 * sync.start(shutdown.signal);
 * shutdown.addCleanup(() => pool.end(), "postgres");
 * app.get("/ready", (req, res) => {
 *   res.sendStatus(shutdown.isShuttingDown ? 503 : 200);
 * });
 */
export function gracefulShutdown(
  server: ShutdownServer | null,
  options: GracefulShutdownOptions = {},
): GracefulShutdown {
  return new GracefulShutdown(server, options);
}
