import type { Logger } from "./logger";

type Level = keyof Logger;

const levels: readonly Level[] = ["error", "warn", "info", "debug"];

/**
 * Wraps the user's logger so that a logger that throws (a closed
 * transport, a bad serializer) cannot break the loop or the shutdown that
 * is logging: the line is dropped, since nothing sensible is left to
 * report it to. Levels the logger lacks stay absent.
 */
export function guardLogger(logger: Logger): Logger {
  const guarded: Partial<Record<Level, Logger["error"]>> = {};
  for (const level of levels) {
    const write = logger[level];
    if (typeof write !== "function") continue;

    guarded[level] = (obj, msg) => {
      try {
        write.call(logger, obj, msg);
      } catch {
        // dropped on purpose, see above
      }
    };
  }
  return guarded as Logger;
}
