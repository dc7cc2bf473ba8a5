import { isLogger, type Logger } from "./logger";

// Helpers for the options normalisers. Each throws a TypeError that names the
// part and the option, so a configuration mistake reads at startup as
// `webhook: option secret must be a non-empty string`.

/** Throws the TypeError for option `name` of `scope`. */
export function invalidOption(
  scope: string,
  name: string,
  expected: string,
): never {
  throw new TypeError(`${scope}: option ${name} must be ${expected}`);
}

/**
 * Throws unless `value` is an object, the options argument of `scope`:
 * `poller: options must be an object`.
 */
export function checkOptionsObject(
  scope: string,
  value: unknown,
): asserts value is object {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${scope}: options must be an object`);
  }
}

/** A finite number >= 0 (or > 0 with `positive`); `Infinity` with `infinite`. */
export function checkNumber(
  scope: string,
  name: string,
  value: unknown,
  rules: { positive?: boolean; integer?: boolean; infinite?: boolean } = {},
): number {
  const ok = typeof value === "number" && !Number.isNaN(value) &&
    (rules.positive ? value > 0 : value >= 0) &&
    (Number.isFinite(value) || (rules.infinite === true && value > 0)) &&
    (!rules.integer || !Number.isFinite(value) || Number.isInteger(value));
  if (ok) return value as number;

  const kind = rules.integer ? "integer" : "number";
  const range = rules.positive ? "above 0" : ">= 0";
  const extra = rules.infinite ? " (or Infinity)" : "";
  return invalidOption(scope, name, `a finite ${kind} ${range}${extra}`);
}

/** A function, or `undefined` when `optional`. */
export function checkFunction<T>(
  scope: string,
  name: string,
  value: unknown,
): T {
  if (typeof value !== "function") {
    invalidOption(scope, name, "a function");
  }
  return value as T;
}

/** A pino-shaped logger, or `fallback` when `value` is undefined. */
export function checkLogger(
  scope: string,
  value: unknown,
  fallback: Logger,
): Logger {
  if (value === undefined) return fallback;
  if (!isLogger(value)) {
    invalidOption(scope, "logger", "an object with warn() and error()");
  }
  return value;
}
