import type { Logger } from "./logger";

type Level = keyof Logger;

const levels: readonly Level[] = ["error", "warn", "info", "debug"];

/**
 * Wraps the user's logger so that a logger that throws (a closed
 * transport, a bad serializer) cannot break the loop or the shutdown that
 * is logging: the line is dropped, since nothing sensible is left to
 * report it to. Levels the logger lacks stay absent.
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
        logger[level]?.(obj, msg);
      } catch {
        // dropped on purpose, see above
      }
    };
  }
  return guarded as Logger;
}
