// The first demo: an Express app receiving signed payment webhooks, which
// sends itself one valid, one forged and one replayed delivery and prints
// how each was answered. `npm start` runs it and exits; `npm start --
// --stay` keeps the app listening on port 3000 afterwards.
import type { AddressInfo } from "node:net";
import express from "express";

import { memoryReplayStore, signWebhook, webhook, type WebhookOptions } from
  "../lib/index";

const options: WebhookOptions = {
  secret: process.env.PAYMENT_WEBHOOK_SECRET ?? "demo-payment-secret",
  replayStore: memoryReplayStore(),
};

const app = express();
app.use("/hooks/payments", webhook(options, {
  "payment.succeeded": (_req, _res, body) => {
    const payment = JSON.parse(body.toString("utf8")) as { amount: number };
    console.log(`  handler: payment of ${payment.amount} recorded`);
  },
}));
app.use(express.json());

async function send(url: string, label: string, headers: object, body: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  console.log(`${label}: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
  const stay = process.argv.includes("--stay");
  const server = app.listen(stay ? 3000 : 0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/hooks/payments`;

  const body = JSON.stringify({ id: "pay_1", amount: 4200 });
  const headers = signWebhook(options, body, {
    event: "payment.succeeded",
    id: "delivery-1",
  });
  const forged = { ...headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` };

  await send(url, "valid delivery   ", headers, body);
  await send(url, "forged delivery  ", forged, body);
  await send(url, "replayed delivery", headers, body);

  if (stay) {
    console.log(`listening on ${url}`);
    return;
  }
  server.close();
}

void main();
