import path from "node:path";
import { defaultLogger, Poller, pollerDefaults } from "../../lib";
import type { PollerOptions } from "../../lib";
import {
  documentedDefaults,
  formatDefault,
} from "./support";

const valid: PollerOptions = { interval: 100, fn: () => undefined };

function construct(overrides: Record<string, unknown>): () => Poller {
  return () => new Poller({ ...valid, ...overrides } as PollerOptions);
}

describe("new Poller()", () => {
  describe("with interval", () => {
    it.each([0, -1, NaN, Infinity, "100", undefined])(
      "throws a TypeError for %p",
      (interval) => {
        expect(construct({ interval })).toThrow(new TypeError(
          "poller: option interval must be a finite number above 0",
        ));
      },
    );

    it("accepts a fractional interval", () => {
      expect(construct({ interval: 0.5 })).not.toThrow();
    });
  });

  describe("with fn", () => {
    it.each([undefined, null, "sync", {}])("throws a TypeError for %p",
      (fn) => {
        expect(construct({ fn })).toThrow(
          new TypeError("poller: option fn must be a function"),
        );
      });
  });

  describe("with other options", () => {
    it.each([
      ["name", "", "a non-empty string"],
      ["name", 42, "a non-empty string"],
      ["runOnStart", "yes", "a boolean"],
      ["jitter", -0.1, "a finite number >= 0"],
      ["jitter", 1.5, "a number from 0 to 1"],
      ["timeout", 0, "a finite number above 0 (or Infinity)"],
      ["timeout", NaN, "a finite number above 0 (or Infinity)"],
      ["lock", {}, "an object with acquire() and release()"],
      ["onTick", "metrics", "a function"],
      ["logger", console.log, "an object with warn() and error()"],
    ])("throws a TypeError for %s %p", (name, value, expected) => {
      expect(construct({ [name]: value })).toThrow(
        new TypeError(`poller: option ${name} must be ${expected}`),
      );
    });

    it("throws a TypeError when the options are not an object", () => {
      const build = () => new Poller(null as unknown as PollerOptions);
      expect(build).toThrow(TypeError);
    });
  });

  describe("defaults", () => {
    it("match the @default of each option's documentation", () => {
      const file = path.join(__dirname, "../../lib/poller/options.ts");
      const documented = documentedDefaults(file, "PollerOptions");
      const names = new Map([[defaultLogger, "defaultLogger"]]);
      const actual = Object.fromEntries(Object.entries(pollerDefaults)
        .map(([key, value]) => [key, formatDefault(value, names)]));

      expect(actual).toEqual(documented);
    });

    it("name the poller in its status", () => {
      expect(new Poller(valid).status.name).toBe("poller");
    });
  });
});
