import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  callerDefaults,
  Caller,
  equalJitterBackoff,
  parseRetryAfter,
} from "../../lib";

const base = { baseURL: "http://127.0.0.1:1" };

describe("new Caller()", () => {
  describe("options", () => {
    it.each([
      ["timeout", -1, "caller: option timeout must be a finite number >= 0"],
      // a longer Node timer fires after 1 ms: every attempt would time out
      ["timeout", 2 ** 31, "caller: option timeout must be at most " +
        "2147483647 ms"],
      ["maxRetry", 1.5, "caller: option maxRetry must be a finite integer"],
      ["maxRetryAfter", "30s", "caller: option maxRetryAfter must be"],
      ["maxResponseBytes", 0, "caller: option maxResponseBytes must be a " +
        "finite integer above 0 (or Infinity)"],
      ["backoff", 100, "caller: option backoff must be a function"],
      ["onRetry", "log", "caller: option onRetry must be a function"],
      ["logger", console.log, "caller: option logger must be an object"],
      ["idempotencyKey", "yes", "caller: option idempotencyKey must be a " +
        "boolean"],
      ["headers", ["a"], "caller: option headers must be an object"],
      ["axios", {}, "caller: option axios must be an axios instance"],
    ])("throws a TypeError naming %s for %p", (name, value, message) => {
      expect(() => new Caller({ ...base, [name]: value }))
        .toThrow(new RegExp(`^${message.replace(/[()]/g, "\\$&")}`));
    });

    it("takes undefined options as their defaults", () => {
      expect(() => new Caller({ ...base, timeout: undefined,
        maxRetry: undefined })).not.toThrow();
    });
  });

  describe("documented defaults", () => {
    // the @default lines of options.ts must say what callerDefaults holds
    // (the README's table is checked by __tests__/docs/readme.test.ts)
    const source = fs.readFileSync(
      path.join(__dirname, "../../lib/caller/options.ts"), "utf8");

    it.each(["timeout", "maxRetry", "maxRetryAfter", "maxResponseBytes"])(
      "match the code for %s", (name) => {
        const doc = new RegExp(
          `@default ([\\d_]+)[^\\n]*\\n[^\\n]*\\n\\s*${name}\\?:`);
        const documented = doc.exec(source)?.[1];
        expect(Number(documented?.replace(/_/g, ""))).toBe(
          callerDefaults[name as keyof typeof callerDefaults]);
      });

    it("match the code for idempotencyKey", () => {
      expect(callerDefaults.idempotencyKey).toBe(false);
      expect(source).toMatch(/@default false\n\s*\*\/\n\s*idempotencyKey\?:/);
    });
  });
});

describe("equalJitterBackoff()", () => {
  it("stays within [d/2, d] for d = min(2000, 100 * 2^(attempt-1))", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      (attempt, draw) => {
        const delay = equalJitterBackoff({}, () => draw)(attempt);
        const ceiling = Math.min(2_000, 100 * 2 ** (attempt - 1));
        return delay >= ceiling / 2 - 0.5 && delay <= ceiling + 0.5;
      }));
  });

  it("spreads delays across the range", () => {
    const backoff = equalJitterBackoff();
    const delays = Array.from({ length: 200 }, () => backoff(5));
    expect(Math.min(...delays)).toBeLessThan(1_100);
    expect(Math.max(...delays)).toBeGreaterThan(1_400);
  });

  it("takes its base and cap from options", () => {
    const lowest = equalJitterBackoff({ baseDelay: 10, maxDelay: 50 },
      () => 0);
    expect([1, 2, 3, 4].map(lowest)).toEqual([5, 10, 20, 25]);
  });
});

describe("parseRetryAfter()", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it.each([
    ["0", 0],
    ["120", 120_000],
    [" 3 ", 3_000],
    ["Thu, 01 Jan 2026 00:00:30 GMT", 30_000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
  ])("reads %p as %i ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each(["", "-1", "1.5", "soon", "1e3", undefined, 5])(
    "ignores %p", (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    });
});
