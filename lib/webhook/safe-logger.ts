import type { Logger } from "../logger";

/**
 * Wraps the user's logger so that a logger that throws (a closed
 * destination, a serializer bug) cannot change a response or, from the
 * receiver's detached request promise, crash the process. The methods are
 * called on the logger itself, as pino's need.
 */
export function safeLogger(logger: Logger): Logger {
  return {
    error(obj, msg) {
      try {
        logger.error(obj, msg);
      } catch {
        // nowhere left to report it
      }
    },
    warn(obj, msg) {
      try {
        logger.warn(obj, msg);
      } catch {
        // nowhere left to report it
      }
    },
  };
}
