import {
  Caller,
  gracefulShutdown,
  memoryReplayStore,
  Poller,
  redisLock,
  redisReplayStore,
  webhook,
  type RedisClient,
} from "../lib";

// Every part refuses a non-object options argument at construction with
// the same words, naming itself.
const redis = { set: async () => null, eval: async () => 0 } as RedisClient;
const notAnObject = "fast" as unknown as never;

describe("options arguments", () => {
  it.each<[string, () => unknown]>([
    ["webhook", () => webhook(notAnObject, {})],
    ["memoryReplayStore", () => memoryReplayStore(notAnObject)],
    ["caller", () => new Caller(notAnObject)],
    ["poller", () => new Poller(notAnObject)],
    ["gracefulShutdown", () => gracefulShutdown(null, notAnObject)],
    ["redisReplayStore", () => redisReplayStore(redis, notAnObject)],
    ["redisLock", () => redisLock(redis, "key", notAnObject)],
  ])("%s: options must be an object", (scope, construct) => {
    expect(construct).toThrow(
      new TypeError(`${scope}: options must be an object`),
    );
  });
});
