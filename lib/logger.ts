import { debuglog, inspect } from "node:util";

/**
 * The logger every part of integration-kit writes to: the subset of pino's
 * interface it uses, so that a pino, bunyan or winston-child instance can be
 * passed as it is. Each call takes a context object first and a short,
 * constant message second (`logger.warn({ err, name }, "poller tick
 * failed")`), which keeps messages greppable and the varying data
 * structured.
 */
export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

const debug = debuglog("integration-kit");

function formatContext(obj: object): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(" ");
}

function formatValue(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    const text = `${value.name}: ${value.message}`;
    return JSON.stringify(typeof code === "string" ? `${text} (${code})` : text);
  }
  if (typeof value === "string") return JSON.stringify(value);
  return inspect(value, { breakLength: Infinity, depth: 2 });
}

function writeLine(level: string, obj: object, msg: string): void {
  const context = formatContext(obj);
  const line = `integration-kit ${level}: ${msg}${context ? ` ${context}` : ""}`;
  process.stderr.write(`${line}\n`);
}

/**
 * The logger used when none is given: warnings and errors go to standard
 * error as one line each, info and debug lines only when
 * `NODE_DEBUG=integration-kit` is set. Error objects are reduced to their
 * name, message and code; stacks stay out of the default output.
 */
export const defaultLogger: Logger = {
  error: (obj, msg) => writeLine("error", obj, msg),
  warn: (obj, msg) => writeLine("warn", obj, msg),
  info: (obj, msg) => debug("%s %s", msg, formatContext(obj)),
  debug: (obj, msg) => debug("%s %s", msg, formatContext(obj)),
};

/** A logger that drops every line, for tests and for callers who log elsewhere. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/**
 * Checks that `value` is usable as a logger, for the options normalisers.
 * Only `warn` and `error` are required; `info` and `debug` are optional.
 */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.warn === "function" &&
    typeof candidate.error === "function";
}

type Level = keyof Logger;

function ignoreRejection(): void {
  // dropped on purpose, see guardLogger
}

const levels: readonly Level[] = ["error", "warn", "info", "debug"];

/**
 * Wraps the user's logger so that a logger that throws (a closed
 * transport, a bad serializer) cannot change a response, break a poller's
 * loop or a shutdown, or crash the process from a detached promise: the
 * line is dropped, since nothing sensible is left to report it to. An
 * async logger's rejection is dropped too, as an unhandled rejection would
 * end the process. Each method is called on the logger itself, as pino's
 * need; levels the logger lacks stay absent.
 *
 * Each call looks the method up afresh: pino swaps an instance's level
 * methods when its `level` changes at runtime, so a method taken once
 * would keep logging (or dropping) at the level of the first day.
 */
export function guardLogger(logger: Logger): Logger {
  const guarded: Partial<Record<Level, Logger["error"]>> = {};
  for (const level of levels) {
    if (typeof logger[level] !== "function") continue;

    guarded[level] = (obj, msg) => {
      try {
        const result: unknown = logger[level]?.(obj, msg);
        const then = (result as { then?: unknown } | null)?.then;
        if (typeof then === "function") {
          (result as PromiseLike<unknown>).then(undefined, ignoreRejection);
        }
      } catch {
        // dropped on purpose, see above
      }
    };
  }
  return guarded as Logger;
}
