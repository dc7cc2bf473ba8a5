import {
  checkFunction,
  checkNumber,
  checkOptionsObject,
} from "../validate";
import type { ReplayStore } from "./replay-store";

const scope = "memoryReplayStore";

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * How long, in milliseconds, a claimed id is remembered. Keep it above the
   * receiver's `timestampTolerance`: a delivery older than the tolerance is
   * refused by its timestamp, a younger one by this store.
   * @default 86_400_000 (24 hours)
   */
  ttl?: number;

  /**
   * The most ids remembered. When full, the oldest claim is forgotten first.
   * @default 100_000
   */
  maxEntries?: number;

  /**
   * The current time in milliseconds since the epoch, for tests.
   * @default Date.now
   */
  clock?: () => number;
}

/** The defaults of {@link MemoryReplayStoreOptions}. */
export const memoryReplayStoreDefaults = {
  ttl: 24 * 60 * 60 * 1000,
  maxEntries: 100_000,
  clock: Date.now,
} as const satisfies MemoryReplayStoreOptions;

interface Claim {
  token: string;
  expiresAt: number;
}

function normalizeOptions(options: MemoryReplayStoreOptions) {
  checkOptionsObject(scope, options);
  const defaults = memoryReplayStoreDefaults;
  return {
    ttl: checkNumber(scope, "ttl", options.ttl ?? defaults.ttl, {
      positive: true,
    }),
    maxEntries: checkNumber(
      scope, "maxEntries", options.maxEntries ?? defaults.maxEntries,
      { positive: true, integer: true },
    ),
    clock: options.clock === undefined ? defaults.clock
      : checkFunction<() => number>(scope, "clock", options.clock),
  };
}

/**
 * A {@link ReplayStore} in this process's memory, for a single instance of
 * an app (replicas need a shared store). It holds at most `maxEntries` ids,
 * each for `ttl` milliseconds, and needs no timer: expired claims are
 * dropped as new ones arrive.
 *
 * note: when more than `maxEntries` deliveries arrive within `ttl`, the
 * oldest ids are forgotten early and a replay of one of them would be
 * accepted; size `maxEntries` for the peak rate times the TTL.
 *
 * @example
 * ```ts
 * webhook({ secret, replayStore: memoryReplayStore({ ttl: 10 * 60_000 }) },
 *   handlers);
 * ```
 */
export function memoryReplayStore(
  options: MemoryReplayStoreOptions = {},
): ReplayStore {
  const { ttl, maxEntries, clock } = normalizeOptions(options);
  // insertion order is expiry order (one TTL for all), so the oldest claims
  // sit at the front of the map and sweeping stops at the first live one
  const claims = new Map<string, Claim>();
  let sequence = 0;

  function sweep(now: number): void {
    for (const [id, claim] of claims) {
      if (claim.expiresAt > now && claims.size < maxEntries) return;
      claims.delete(id);
    }
  }

  return {
    claim(id: string): Promise<string | null> {
      const now = clock();
      sweep(now);

      const held = claims.get(id);
      if (held !== undefined && held.expiresAt > now) {
        return Promise.resolve(null);
      }

      sequence += 1;
      const token = String(sequence);
      claims.delete(id);
      claims.set(id, { token, expiresAt: now + ttl });
      return Promise.resolve(token);
    },

    release(id: string, token: string): Promise<void> {
      if (claims.get(id)?.token === token) claims.delete(id);
      return Promise.resolve();
    },
  };
}
