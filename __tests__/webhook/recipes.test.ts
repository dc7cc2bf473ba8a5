import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import request from "supertest";

import { signWebhook, type WebhookOptions } from "../../lib/index";

// Each recipe in examples/ started as its own process, as a user would run
// it, and sent a delivery signed for it.

const root = path.join(__dirname, "..", "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

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
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("examples", file)],
    { cwd: root, env: { ...process.env, ...env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  await waitForPort(port, child);

  return {
    url: `http://127.0.0.1:${port}`,
    // the child's stdout may arrive after its HTTP answer: wait for it
    printed: async (text: string) => {
      for (let waited = 0; !output.includes(text) && waited < 5_000;
        waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return output;
    },
    stop: () => new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill();
    }),
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
