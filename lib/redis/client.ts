import { invalidOption } from "../validate";

/**
 * The few commands integration-kit sends to Redis, typed structurally so
 * that the library neither loads nor needs the types of a Redis client: an
 * ioredis `Redis` or `Cluster` fits as it is, and so does any client (or
 * adapter) whose `set` and `eval` answer the way ioredis' do.
 *
 * Both are called with one key only, so a cluster routes each call to the
 * node that owns that key.
 */
export interface RedisClient {
  /**
   * `SET key value PX ttl NX`: resolves `"OK"` when the key was free and is
   * now set, `null` when it already existed.
   */
  set(
    key: string,
    value: string,
    expiryMode: "PX",
    milliseconds: number,
    condition: "NX",
  ): Promise<"OK" | null>;

  /** `EVAL script numkeys key... arg...`: resolves the script's reply. */
  eval(
    script: string,
    numkeys: number,
    ...keysAndArgs: (string | number)[]
  ): Promise<unknown>;
}

/**
 * Checks the client handed to `scope` at construction time, so that passing
 * the `Redis` class instead of an instance (or a connection URL) fails at
 * startup rather than on the first delivery.
 */
export function checkRedisClient(scope: string, value: unknown): RedisClient {
  const candidate = value as Partial<Record<keyof RedisClient, unknown>>;
  const isClient = typeof value === "object" && value !== null &&
    typeof candidate.set === "function" &&
    typeof candidate.eval === "function";
  if (!isClient) {
    invalidOption(scope, "redis", "a client with set() and eval(), " +
      "such as an ioredis Redis or Cluster instance");
  }
  return value as RedisClient;
}
