import http from "node:http";
import path from "node:path";
import { defaultLogger, gracefulShutdown, shutdownDefaults } from "../../lib";
import type { GracefulShutdownOptions, ShutdownServer } from "../../lib";
import {
  documentedDefaults,
  formatDefault,
} from "../poller/support";

function attach(options: Record<string, unknown>): () => void {
  return () => {
    const shutdown = gracefulShutdown(null, {
      signals: [], ...options,
    } as GracefulShutdownOptions);
    shutdown.dispose();
  };
}

describe("gracefulShutdown()", () => {
  describe("options", () => {
    it.each([
      ["timeout", 0, "a finite number above 0 (or Infinity)"],
      ["timeout", "10s", "a finite number above 0 (or Infinity)"],
      ["cleanupTimeout", 0, "a finite number above 0 (or Infinity)"],
      ["cleanupTimeout", "5s", "a finite number above 0 (or Infinity)"],
      ["closeDelay", -1, "a finite number >= 0"],
      ["closeDelay", 20_000, "below timeout"],
      ["signals", "SIGTERM", signalRule()],
      ["signals", ["SIGFOO"], signalRule()],
      ["signals", ["SIGKILL"], signalRule()],
      ["signals", ["exit"], signalRule()],
      ["logger", {}, "an object with warn() and error()"],
      ["exit", 1, "a function"],
    ])("throws a TypeError for %s %p", (name, value, expected) => {
      expect(attach({ [name]: value })).toThrow(new TypeError(
        `gracefulShutdown: option ${name} must be ${expected}`,
      ));
    });

    it("throws a TypeError for a server that is not an HTTP server", () => {
      const notServer = {} as unknown as ShutdownServer;

      expect(() => gracefulShutdown(notServer)).toThrow(new TypeError(
        "gracefulShutdown: server must be an http or https server, or null",
      ));
    });

    it("accepts an http server, listening or not", () => {
      const shutdown = gracefulShutdown(http.createServer(), { signals: [] });

      expect(shutdown.isShuttingDown).toBe(false);
      shutdown.dispose();
    });
  });

  describe("defaults", () => {
    it("match the @default of each option's documentation", () => {
      const file = path.join(__dirname, "../../lib/shutdown/options.ts");
      const documented = documentedDefaults(file, "GracefulShutdownOptions");
      const names = new Map<unknown, string>([
        [defaultLogger, "defaultLogger"],
        [shutdownDefaults.exit, "process.exit"],
      ]);
      const actual = Object.fromEntries(Object.entries(shutdownDefaults)
        .map(([key, value]) => [key, formatDefault(value, names)]));

      expect(actual).toEqual(documented);
    });

    it("listen to SIGTERM and SIGINT", () => {
      const before = process.listenerCount("SIGTERM");
      const shutdown = gracefulShutdown(null);

      expect(process.listenerCount("SIGTERM")).toBe(before + 1);
      shutdown.dispose();
      expect(process.listenerCount("SIGTERM")).toBe(before);
    });
  });
});

function signalRule(): string {
  return "an array of catchable signal names such as \"SIGTERM\"";
}
