import {
  startFixture,
  stopFixtures,
  type FixtureProcess,
} from "../helpers/processes";
import {
  closeClients,
  describeWithRedis,
  redisUrl,
  uniquePrefix,
  useRedis,
} from "../helpers/redis";

// Replicas of one Poller, each a real process, sharing the real Redis:
// nothing here is simulated. The fixtures print what they do; the tests
// wait for those lines instead of sleeping, except for the 3 s the steady
// run is about.

afterEach(async () => {
  await stopFixtures();
});

afterAll(async () => {
  await closeClients();
});

describeWithRedis("poller replicas sharing one Redis", () => {
  const prefix = uniquePrefix("pollers");
  useRedis(prefix);

  describe("redisLock() in 3 poller processes", () => {
    const interval = 100;
    const ttl = 1_000;

    function startPollers(runPrefix: string, lockTtl: number) {
      return Array.from({ length: 3 }, () =>
        startFixture("redis-poller", {
          REDIS_URL: redisUrl,
          PREFIX: runPrefix,
          INTERVAL: String(interval),
          TTL: String(lockTtl),
        })
      );
    }

    const ticksOf = (pollers: FixtureProcess[]) =>
      pollers.flatMap((poller) => poller.lines)
        .filter((line) => line.startsWith("tick "))
        .map((line) => {
          const [, pid, concurrent] = line.split(" ");
          return { pid: Number(pid), concurrent: Number(concurrent) };
        });

    // Starts 3 replicas and waits for the first tick: its process leads.
    // `nextTick()` resolves when one of the others ticks after that.
    async function startLeaderAndFollowers(runPrefix: string, lockTtl: number) {
      const pollers = startPollers(runPrefix, lockTtl);
      const firstTick = await Promise.race(pollers.map((poller) =>
        poller.waitForLine((line) => line.startsWith("tick "))
      ));
      const leaderPid = Number(firstTick.split(" ")[1]);
      const leader = pollers.find((poller) => poller.child.pid === leaderPid)!;
      const followers = pollers.filter((poller) => poller !== leader);
      const seen = followers.map((poller) => poller.lines.length);

      const nextTick = () => Promise.race(followers.map((poller, i) =>
        poller.waitForLine((line) => line.startsWith("tick "), {
          after: seen[i],
        })
      ));
      return { leader, nextTick };
    }

    it("runs fn about 30 times in 3 s, never twice at once", async () => {
      const pollers = startPollers(`${prefix}steady:`, ttl);
      await Promise.all(pollers.map((poller) =>
        poller.waitForLine((line) => line.startsWith("started "))
      ));
      const before = ticksOf(pollers).length;

      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const ticks = ticksOf(pollers).slice(before);

      // 30 slots in 3 s; one replica's ticks, not three replicas' (90)
      expect(ticks.length).toBeGreaterThanOrEqual(20);
      expect(ticks.length).toBeLessThanOrEqual(32);
      expect(ticks.every((tick) => tick.concurrent === 1)).toBe(true);
      // the lock stays with its holder rather than moving every tick
      expect(new Set(ticks.map((tick) => tick.pid)).size).toBe(1);
    });

    it("resumes elsewhere within ttl + interval of a SIGKILL", async () => {
      const { leader, nextTick } = await startLeaderAndFollowers(
        `${prefix}killed:`, ttl,
      );

      const killedAt = Date.now();
      leader.child.kill("SIGKILL");
      await nextTick();
      const resumedAfter = Date.now() - killedAt;

      // note: a small allowance for scheduling three processes on a busy
      // machine; the bound the lock promises is ttl + interval
      expect(resumedAfter).toBeLessThanOrEqual(ttl + interval + 250);
      expect(await leader.exited).toMatchObject({ signal: "SIGKILL" });
    });

    it("hands over at once when the leader stops on SIGTERM", async () => {
      // a long ttl: a takeover before it runs out proves the release
      const longTtl = 6_000;
      const { leader, nextTick } = await startLeaderAndFollowers(
        `${prefix}stopped:`, longTtl,
      );

      const stoppedAt = Date.now();
      leader.child.kill("SIGTERM");
      await nextTick();
      const resumedAfter = Date.now() - stoppedAt;

      // held to its expiry, the key would last at least 2/3 of the ttl
      expect(resumedAfter).toBeLessThan(longTtl / 3);
      expect(await leader.exited).toEqual({ code: 0, signal: null });
    });
  });
});
