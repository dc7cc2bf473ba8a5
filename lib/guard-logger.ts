import type { Logger } from "./logger";

type Level = keyof Logger;

const levels: readonly Level[] = ["error", "warn", "info", "debug"];

function ignore(): void {
  // dropped on purpose, see guardLogger
}

/**
 * Wraps the user's logger so that a logger that throws (a closed
 * transport, a bad serializer) cannot break the loop, the shutdown or the
 * response that is logging: the line is dropped, since nothing sensible is
 * left to report it to. An async logger's rejection is dropped too, as an
 * unhandled rejection would end the process. Levels the logger lacks stay
 * absent.
 */
export function guardLogger(logger: Logger): Logger {
  const guarded: Partial<Record<Level, Logger["error"]>> = {};
  for (const level of levels) {
    const write = logger[level];
    if (typeof write !== "function") continue;

    guarded[level] = (obj, msg) => {
      try {
        const result: unknown = write.call(logger, obj, msg);
        if (typeof (result as { then?: unknown } | null)?.then === "function") {
          (result as PromiseLike<unknown>).then(undefined, ignore);
        }
      } catch {
        // dropped on purpose, see above
      }
    };
  }
  return guarded as Logger;
}
