// A readable pino-shaped logger for the demo: one line per event, with the
// time, the level and the fields that matter. In an app of your own, pass
// pino (or any logger with warn/error/info) instead.
import type { Logger } from "../../lib";

const colour = process.stdout.isTTY
  ? (code: number, text: string) => `\x1b[${code}m${text}\x1b[0m`
  : (_code: number, text: string) => text;

const LEVELS = {
  error: colour(31, "error"),
  warn: colour(33, "warn "),
  info: colour(36, "info "),
  debug: colour(90, "debug"),
};

function field(key: string, value: unknown): string {
  if (value instanceof Error) return `${key}=${value.name}: ${value.message}`;
  if (typeof value === "object" && value !== null) {
    return `${key}=${JSON.stringify(value)}`;
  }
  return `${key}=${String(value)}`;
}

function write(level: keyof typeof LEVELS, obj: object, msg: string): void {
  const time = new Date().toISOString().slice(11, 23);
  const fields = Object.entries(obj)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => colour(90, field(key, value)));
  process.stdout.write(
    `${colour(90, time)} ${LEVELS[level]} ${msg} ${fields.join(" ")}\n`,
  );
}

export const log: Logger & { info(obj: object, msg: string): void } = {
  error: (obj, msg) => write("error", obj, msg),
  warn: (obj, msg) => write("warn", obj, msg),
  info: (obj, msg) => write("info", obj, msg),
  debug: () => undefined,
};

/** A line of the demo's own story, set apart from the library's logs. */
export function say(text: string): void {
  process.stdout.write(`${colour(1, text)}\n`);
}
