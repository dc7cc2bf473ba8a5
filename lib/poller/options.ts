import { defaultLogger, type Logger } from "../logger";
import {
  checkFunction,
  checkLogger,
  checkNumber,
  checkOptionsObject,
  invalidOption,
} from "../validate";
import type { PollerLock } from "./lock";
import type { PollerTickResult } from "./status";

/**
 * The work a poller runs on every tick. `signal` aborts when the poller
 * stops, when the tick runs past `timeout`, or when the `lock` is lost, so
 * that long work can end early. A throw or a rejection is logged and the
 * schedule goes on.
 */
export type PollerFunction = (signal: AbortSignal) => unknown;

/** The options of {@link Poller}. */
export interface PollerOptions {
  /**
   * The poller's name, in every log line and in {@link Poller.status}.
   * @default "poller"
   */
  name?: string;

  /**
   * Milliseconds between the planned starts of two ticks (a fixed rate,
   * not a pause after each tick). A finite number above 0.
   */
  interval: number;

  /** The work of one tick. */
  fn: PollerFunction;

  /**
   * Runs the first tick at once on `start()` instead of one `interval`
   * later.
   * @default false
   */
  runOnStart?: boolean;

  /**
   * Spreads the ticks of several replicas: each tick starts up to
   * `jitter * interval` milliseconds after its planned time, drawn afresh
   * per tick. Jitter never accumulates: the plan itself stays on the fixed
   * grid. A number from 0 to 1. The first tick of `runOnStart` starts at
   * once all the same.
   * @default 0
   * @example
   * jitter: 0.1 // a 60 s poller starts each tick within 6 s after its slot
   */
  jitter?: number;

  /**
   * Milliseconds a tick may run before its signal aborts with a
   * {@link PollerTimeoutError}; the tick then counts as failed. `Infinity`
   * for no limit.
   * @default Infinity
   */
  timeout?: number;

  /**
   * A lock shared by the replicas of a service, so that one of them runs
   * the ticks (see {@link PollerLock}). Without it every process ticks.
   * @default undefined
   */
  lock?: PollerLock;

  /**
   * Called after every tick with how it ended, for metrics. It is not
   * awaited; an error it throws (or a promise it returns rejecting with)
   * is logged and ignored.
   * @default undefined
   * @example
   * onTick: ({ outcome, duration }) =>
   *   tickSeconds.observe({ outcome }, duration / 1000)
   */
  onTick?: (result: PollerTickResult) => void;

  /**
   * Where failed ticks and lock problems are logged (pino-shaped).
   * @default defaultLogger
   */
  logger?: Logger;
}

/** The options once merged with their defaults and validated. */
export interface NormalizedPollerOptions {
  name: string;
  interval: number;
  fn: PollerFunction;
  runOnStart: boolean;
  jitter: number;
  timeout: number;
  lock: PollerLock | undefined;
  onTick: ((result: PollerTickResult) => void) | undefined;
  logger: Logger;
}

/** The documented defaults of every optional {@link PollerOptions} field. */
export const pollerDefaults = {
  name: "poller",
  runOnStart: false,
  jitter: 0,
  timeout: Infinity,
  lock: undefined,
  onTick: undefined,
  logger: defaultLogger,
} as const satisfies Partial<NormalizedPollerOptions>;

const scope = "poller";

/** Merges `options` with the defaults; throws a TypeError on a mistake. */
export function normalizePollerOptions(
  options: PollerOptions,
): NormalizedPollerOptions {
  checkOptionsObject(scope, options);

  const name = options.name ?? pollerDefaults.name;
  if (typeof name !== "string" || name.length === 0) {
    invalidOption(scope, "name", "a non-empty string");
  }

  const runOnStart = options.runOnStart ?? pollerDefaults.runOnStart;
  if (typeof runOnStart !== "boolean") {
    invalidOption(scope, "runOnStart", "a boolean");
  }

  const jitter = checkNumber(scope, "jitter",
    options.jitter ?? pollerDefaults.jitter);
  if (jitter > 1) invalidOption(scope, "jitter", "a number from 0 to 1");

  return {
    name,
    interval: checkNumber(scope, "interval", options.interval,
      { positive: true }),
    fn: checkFunction<PollerFunction>(scope, "fn", options.fn),
    runOnStart,
    jitter,
    timeout: checkNumber(scope, "timeout",
      options.timeout ?? pollerDefaults.timeout,
      { positive: true, infinite: true }),
    lock: checkLock(options.lock),
    onTick: options.onTick === undefined
      ? undefined
      : checkFunction(scope, "onTick", options.onTick),
    logger: checkLogger(scope, options.logger, pollerDefaults.logger),
  };
}

function checkLock(value: unknown): PollerLock | undefined {
  if (value === undefined) return undefined;

  const candidate = value as Partial<Record<keyof PollerLock, unknown>>;
  const isLock = typeof value === "object" && value !== null &&
    typeof candidate.acquire === "function" &&
    typeof candidate.release === "function";
  if (!isLock) {
    invalidOption(scope, "lock", "an object with acquire() and release()");
  }
  return value as PollerLock;
}
