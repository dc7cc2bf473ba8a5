import { request } from "undici";

import { signWebhook } from "../../lib";
import {
  startFixture,
  stopFixtures,
  type FixtureProcess,
} from "../helpers/processes";
import {
  closeClients,
  closedPort,
  describeWithRedis,
  redisUrl,
  uniquePrefix,
  useRedis,
  waitFor,
} from "../helpers/redis";

// Replicas of one webhook receiver, each a real process, sharing the real
// Redis: nothing here is simulated. The fixtures print what they do; the
// tests wait for those lines instead of sleeping.

const secret = "replica-test-secret";

afterEach(async () => {
  await stopFixtures();
});

afterAll(async () => {
  await closeClients();
});

let receivers: FixtureProcess[] = [];

async function startReceivers(
  count: number,
  env: Record<string, string>,
): Promise<string[]> {
  receivers = Array.from({ length: count }, () =>
    startFixture("redis-receiver", { SECRET: secret, ...env })
  );
  const ready = await Promise.all(receivers.map((receiver) =>
    receiver.waitForLine((line) => line.startsWith("listening "))
  ));
  return ready.map((line) => `http://127.0.0.1:${line.split(" ")[1]}`);
}

// The first JSON log line with message `msg` any receiver printed.
async function logLine(msg: string): Promise<unknown> {
  const line = await Promise.race(receivers.map((receiver) =>
    receiver.waitForLine((text) => text.includes(`"msg":"${msg}"`))
  ));
  return JSON.parse(line);
}

async function deliver(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  const response = await request(`${url}/hooks`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  await response.body.dump();
  return response.statusCode;
}

describeWithRedis("receiver replicas sharing one Redis", () => {
  const prefix = uniquePrefix("receivers");
  const redis = useRedis(prefix);

  describe("redisReplayStore() in 4 receiver processes", () => {
    const env = { REDIS_URL: redisUrl, PREFIX: prefix };

    it("lets one of 50 concurrent duplicates reach the handler", async () => {
      const urls = await startReceivers(4, env);
      const body = JSON.stringify({ order: 1 });
      const headers = signWebhook({ secret }, body, { id: "dup-1" });

      const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        deliver(urls[i % urls.length], body, headers)
      ));

      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(49);
      expect(await redis().get(`${prefix}calls:dup-1`)).toBe("1");
    });

    it("processes the retry of a delivery whose handler failed", async () => {
      const [first, second] = await startReceivers(2, env);
      const body = JSON.stringify({ failFirst: true });
      const headers = signWebhook({ secret }, body, { id: "retry-1" });

      const failed = await deliver(first, body, headers);
      const retried = await deliver(second, body, headers);
      const replayed = await deliver(first, body, headers);

      expect([failed, retried, replayed]).toEqual([500, 200, 409]);
      expect(await redis().get(`${prefix}calls:retry-1`)).toBe("2");
    });

    it("processes the retry of a delivery whose receiver died mid-handler",
      async () => {
        const [first, second] = await startReceivers(2, {
          ...env,
          PROCESSING_TTL: "400",
        });
        const body = JSON.stringify({ hangFirst: true });
        const headers = signWebhook({ secret }, body, { id: "crash-1" });
        const calls = () => redis().get(`${prefix}calls:crash-1`);

        const cut = deliver(first, body, headers).catch(() => "cut");
        await waitFor(async () => (await calls()) === "1");
        receivers[0].child.kill("SIGKILL");
        const whileClaimed = await deliver(second, body, headers);
        await waitFor(async () =>
          (await redis().exists(`${prefix}replay:crash-1`)) === 0
        );
        const retried = await deliver(second, body, headers);
        const replayed = await deliver(second, body, headers);

        expect(await cut).toBe("cut");
        expect([whileClaimed, retried, replayed]).toEqual([409, 200, 409]);
        expect(await calls()).toBe("2");
      });

    it("answers 500, logs it and skips the handler without Redis", async () => {
      const nowhere = `redis://127.0.0.1:${await closedPort()}`;
      const [url] = await startReceivers(1, {
        ...env,
        STORE_REDIS_URL: nowhere,
        STORE_TIMEOUT: "300",
      });
      const body = JSON.stringify({ order: 2 });
      const send = (id: string) =>
        deliver(url, body, signWebhook({ secret }, body, { id }));

      const statuses = [await send("down-1"), await send("down-2")];
      const logged = await logLine("webhook replay store failed");

      expect(statuses).toEqual([500, 500]);
      expect(logged).toMatchObject({
        level: "error",
        deliveryId: "down-1",
        err: {
          cause: { code: "ERR_REDIS_TIMEOUT", name: "RedisTimeoutError" },
        },
      });
      const calls = ["down-1", "down-2"].map((id) => `${prefix}calls:${id}`);
      expect(await redis().exists(...calls)).toBe(0);
      expect(await send("down-3")).toBe(500);
    });
  });
});
