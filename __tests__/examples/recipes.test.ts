import { randomUUID } from "node:crypto";

import { signWebhook } from "../../lib";
import { freePort, killExamples, runExample } from "../helpers/example";
import { describeWithRedis, redisUrl } from "../helpers/redis";

// The recipes in examples/ that are not about webhooks alone, each run as
// its own process the way its header comment says, then stopped the way
// a platform stops a service.

afterEach(killExamples);

describe("examples/caller-routes.ts", () => {
  it("answers through request-bound callers, retrying a 503", async () => {
    const recipe = runExample("caller-routes.ts");

    const code = await recipe.exited;
    const output = recipe.output();

    expect(code).toBe(0);
    expect(output).toContain('app: 200 {"account":"acc_9","balance":120.5}');
    expect(output).toMatch(/retrying GET .*\/billing\/balance/);
    expect(output).toContain("app: 404");
    // the incoming request's id reached the upstream on every call
    expect(output).toMatch(/balance\?account=acc_9 \(request id demo-\d+\)/);
  });
});

describe("examples/poller-shutdown.ts", () => {
  it("serves its status, then stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const recipe = runExample("poller-shutdown.ts", { PORT: String(port) });
    await recipe.printed("listening on");

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    recipe.child.kill("SIGTERM");
    const code = await recipe.exited;

    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ state: "running" });
    expect(ready.status).toBe(200);
    expect(code).toBe(0);
    expect(recipe.output()).toMatch(/synced \d+ changes, bye/);
  });
});

describeWithRedis("examples/redis-replicas.ts", () => {
  it("lets one of two replicas take a delivery and run the poller",
    async () => {
      const ports = [await freePort(), await freePort()];
      const replicas = ports.map((port) =>
        runExample("redis-replicas.ts", {
          PORT: String(port),
          REDIS_URL: redisUrl,
        })
      );
      await Promise.all(replicas.map((r) => r.printed("listening on")));

      const body = JSON.stringify({ order: 1 });
      const headers = signWebhook({ secret: "example-secret" }, body, {
        event: "order.paid",
        id: `example-${randomUUID()}`,
      });
      const statuses = await Promise.all(ports.map(async (port) => {
        const response = await fetch(
          `http://127.0.0.1:${port}/hooks/orders`,
          { method: "POST", headers, body },
        );
        return response.status;
      }));
      await Promise.race(replicas.map((r) => r.printed("syncing")));
      for (const replica of replicas) replica.child.kill("SIGTERM");
      const codes = await Promise.all(replicas.map((r) => r.exited));

      expect(statuses.sort()).toEqual([200, 409]);
      const syncing = replicas.filter((r) => r.output().includes("syncing"));
      expect(syncing).toHaveLength(1);
      expect(codes).toEqual([0, 0]);
    });
});
