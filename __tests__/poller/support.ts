import { readFileSync } from "node:fs";
import { Poller, type PollerOptions } from "../../lib";
import type { Logger } from "../../lib/logger";
import type { PollerLock } from "../../lib/poller/lock";

export interface LogLine {
  level: "error" | "warn" | "info" | "debug";
  obj: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line, for assertions. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine["level"]) => (obj: object, msg: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  const logger: Logger = {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
  };
  return { logger, lines };
}

/** A promise with its resolve and reject in hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An in-memory lock whose answer each test sets: `mode` decides what the
 * next acquire() resolves, `lose()` aborts the signal of the lock held.
 */
export class MemoryLock implements PollerLock {
  mode: "hold" | "elsewhere" | "fail" | "hang" = "hold";
  acquires = 0;
  releases = 0;
  readonly events: string[] = [];
  /** The signal the poller passed to the last acquire(). */
  acquireSignal: AbortSignal | undefined;
  #held: AbortController | undefined;

  async acquire(signal?: AbortSignal): Promise<AbortSignal | null> {
    this.acquires += 1;
    this.events.push("acquire");
    this.acquireSignal = signal;
    if (this.mode === "fail") throw new Error("store unreachable");
    if (this.mode === "elsewhere") return null;
    if (this.mode === "hang") return new Promise(() => undefined);

    this.#held ??= new AbortController();
    return this.#held.signal;
  }

  async release(): Promise<void> {
    this.releases += 1;
    this.events.push("release");
    this.#held = undefined;
  }

  /** The signal of the lock held now, if it is held. */
  get held(): AbortSignal | undefined {
    return this.#held?.signal;
  }

  lose(): void {
    this.#held?.abort(new Error("lock lost"));
    this.#held = undefined;
  }
}

/** Runs `fn` for `ms` of (fake or real) time, then resolves. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The `@default` of each property of `interfaceName` in the TSDoc of
 * `file`, as written there, keyed by property name.
 */
export function documentedDefaults(
  file: string,
  interfaceName: string,
): Record<string, string> {
  const source = readFileSync(file, "utf8");
  const start = source.indexOf(`export interface ${interfaceName} {`);
  const body = source.slice(start, source.indexOf("\n}", start));

  const defaults: Record<string, string> = {};
  const property = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\??:/g;
  for (const [, doc = "", name = ""] of body.matchAll(property)) {
    const value = /@default (.+)/.exec(doc)?.[1]?.trim();
    if (value !== undefined) defaults[name] = value;
  }
  return defaults;
}

/** How a default value reads in TSDoc: `"poller"`, `false`, `Infinity`. */
export function formatDefault(
  value: unknown,
  names: Map<unknown, string>,
): string {
  if (names.has(value)) return names.get(value) as string;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "number") return formatNumber(value);
  return String(value);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // 10000 is written 10_000 in the docs
  return String(value).replace(/\B(?=(\d{3})+$)/g, "_");
}

/** A poller that records the start time of each tick, relative to start. */
export function recordingPoller(
  options: Partial<PollerOptions> & { work?: (n: number) => Promise<void> },
) {
  const { logger, lines } = recordingLogger();
  const starts: number[] = [];
  let origin = 0;
  const poller = new Poller({
    name: "sync",
    interval: 100,
    logger,
    ...options,
    fn: options.fn ?? (async () => {
      starts.push(performance.now() - origin);
      await options.work?.(starts.length);
    }),
  });
  const begin = (signal?: AbortSignal) => {
    origin = performance.now();
    return poller.start(signal);
  };
  return { poller, starts, lines, begin };
}

/** Stops `poller`, letting fake time run while its last tick settles. */
export async function stopAndSettle(poller: Poller): Promise<void> {
  const stopped = poller.stop();
  await jest.advanceTimersByTimeAsync(10_000);
  await stopped;
}

/** Fake timers (performance.now() and Date included) around each test. */
export function useFakeClock(): void {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });
}
