import { constants } from "node:os";
import { defaultLogger, type Logger } from "../logger";
import {
  checkFunction,
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";

/** The options of {@link gracefulShutdown}. */
export interface GracefulShutdownOptions {
  /**
   * Milliseconds from the start of shutdown for the requests in flight and
   * the tasks to finish: past it the remaining connections are destroyed,
   * what was pending is logged, the cleanup hooks still run (within
   * `cleanupTimeout`) and the process exits with code 1.
   * @default 10_000
   */
  timeout?: number;

  /**
   * Milliseconds the cleanup hooks get in all, counted from when the first
   * one starts, after the drain ended or timed out: past it the process
   * exits with code 1, naming the hook still running. A signal thus ends
   * in an exit within `timeout + cleanupTimeout`: keep that under the
   * grace period of the supervisor (30 s by default on Kubernetes).
   * @default 5_000
   */
  cleanupTimeout?: number;

  /**
   * The process signals that begin shutdown; a second one forces the exit
   * at once. `[]` listens to none (call `begin()` yourself).
   * @default ["SIGTERM","SIGINT"]
   */
  signals?: readonly NodeJS.Signals[];

  /**
   * Milliseconds to keep accepting connections after shutdown begins, while
   * readiness already reports not ready, so that a load balancer (such as a
   * Kubernetes Service) stops routing here before the listener closes.
   * @default 0
   */
  closeDelay?: number;

  /**
   * Where the shutdown's progress and problems are logged (pino-shaped).
   * @default defaultLogger
   */
  logger?: Logger;

  /**
   * Ends the process with the shutdown's exit code; replace it to run a
   * shutdown inside a test.
   * @default process.exit
   */
  exit?: (code: number) => void;
}

export interface NormalizedShutdownOptions {
  timeout: number;
  cleanupTimeout: number;
  signals: readonly NodeJS.Signals[];
  closeDelay: number;
  logger: Logger;
  exit: (code: number) => void;
}

/** The documented defaults of every {@link GracefulShutdownOptions} field. */
export const shutdownDefaults = {
  timeout: 10_000,
  cleanupTimeout: 5_000,
  signals: ["SIGTERM", "SIGINT"],
  closeDelay: 0,
  logger: defaultLogger,
  // read when called, so that a process.exit replaced later still counts
  exit: (code: number): void => process.exit(code),
} as const satisfies NormalizedShutdownOptions;

const scope = "gracefulShutdown";

/** Merges `options` with the defaults; throws a TypeError on a mistake. */
export function normalizeShutdownOptions(
  options: GracefulShutdownOptions,
): NormalizedShutdownOptions {
  checkOptionsObject(scope, options);

  const timeout = checkNumber(scope, "timeout",
    options.timeout ?? shutdownDefaults.timeout,
    { positive: true, infinite: true });
  const closeDelay = checkNumber(scope, "closeDelay",
    options.closeDelay ?? shutdownDefaults.closeDelay);
  if (closeDelay >= timeout) {
    invalidOption(scope, "closeDelay", "below timeout");
  }

  return {
    timeout,
    cleanupTimeout: checkNumber(scope, "cleanupTimeout",
      options.cleanupTimeout ?? shutdownDefaults.cleanupTimeout,
      { positive: true, infinite: true }),
    signals: checkSignals(options.signals ?? shutdownDefaults.signals),
    closeDelay,
    logger: checkLogger(scope, options.logger, shutdownDefaults.logger),
    exit: checkFunction(scope, "exit",
      options.exit ?? shutdownDefaults.exit),
  };
}

// no process can listen to these two: the kernel acts on them alone
const unlistenable = new Set(["SIGKILL", "SIGSTOP"]);

function checkSignals(value: unknown): readonly NodeJS.Signals[] {
  const known = (name: unknown): boolean =>
    typeof name === "string" && name.startsWith("SIG") &&
    Object.hasOwn(constants.signals, name) && !unlistenable.has(name);

  if (!Array.isArray(value) || !value.every(known)) {
    invalidOption(scope, "signals",
      "an array of catchable signal names such as \"SIGTERM\"");
  }
  return [...new Set(value as NodeJS.Signals[])];
}
