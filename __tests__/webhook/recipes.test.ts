import type { ChildProcess } from "node:child_process";
import net from "node:net";
import request from "supertest";

import { signWebhook, type WebhookOptions } from "../../lib/index";
import { freePort, runExample } from "../helpers/example";

// Each recipe in examples/ started as its own process, as a user would run
// it, and sent a delivery signed for it.

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error("recipe exited early");
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startRecipe(file: string, env: Record<string, string>) {
  const port = await freePort();
  const recipe = runExample(file, { ...env, PORT: String(port) });
  await waitForPort(port, recipe.child);

  return {
    url: `http://127.0.0.1:${port}`,
    // the child's stdout may arrive after its HTTP answer: wait for it
    printed: async (text: string) => {
      await recipe.printed(text);
      return recipe.output();
    },
    stop: async () => {
      recipe.child.kill();
      await recipe.exited;
    },
  };
}

describe("examples/webhook-*.ts recipes", () => {
  it("webhook-stripe.ts accepts a signed invoice.paid", async () => {
    const secret = "whsec_recipe_test";
    const recipe = await startRecipe("webhook-stripe.ts", {
      STRIPE_WEBHOOK_SECRET: secret,
    });
    try {
      const body = JSON.stringify({
        id: "evt_1", type: "invoice.paid", data: { object: { id: "in_1" } },
      });
      const options: WebhookOptions = { preset: "stripe", secret };

      const res = await request(recipe.url).post("/hooks/stripe")
        .set(signWebhook(options, body)).set("content-type", "application/json")
        .send(body);

      expect(res.status).toBe(200);
      expect(await recipe.printed("invoice paid in_1"))
        .toContain("invoice paid in_1");
    } finally {
      await recipe.stop();
    }
  });

  it("webhook-github.ts answers a signed ping after express.json()", async () => {
    const secret = "github-recipe-secret";
    const recipe = await startRecipe("webhook-github.ts", {
      GITHUB_WEBHOOK_SECRET: secret,
    });
    try {
      const body = JSON.stringify({ zen: "Design for failure." });
      const options: WebhookOptions = { preset: "github", secret };

      const res = await request(recipe.url).post("/hooks/github")
        .set(signWebhook(options, body, { event: "ping" }))
        .set("content-type", "application/json").send(body);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ pong: true });
    } finally {
      await recipe.stop();
    }
  });

  it("webhook-standard.ts answers a signed user.created with 204", async () => {
    const secret = `whsec_${Buffer.from("standard-recipe-key").toString("base64")}`;
    const recipe = await startRecipe("webhook-standard.ts", {
      WEBHOOK_SECRET: secret,
    });
    try {
      const body = JSON.stringify({ type: "user.created", data: { id: 7 } });
      const options: WebhookOptions = { preset: "standard-webhooks", secret };

      const signed = await request(recipe.url).post("/hooks/users")
        .set(signWebhook(options, body)).send(body);
      const forged = await request(recipe.url).post("/hooks/users")
        .set(signWebhook({ ...options, secret: "whsec_b3RoZXI=" }, body))
        .send(body);

      expect([signed.status, forged.status]).toEqual([204, 401]);
    } finally {
      await recipe.stop();
    }
  });
});
