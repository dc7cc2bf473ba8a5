// The integration-kit demo: one small payments service using all three
// parts, which then sends itself a few webhooks and says what happened.
//
//   npm start                 # the whole story, then keeps serving
//   Ctrl-C                    # graceful shutdown, saying what it waited for
//
// - Webhook receiver: POST /hooks/payments verifies the signature, refuses
//   replays, and dispatches `payment.succeeded` to a handler.
// - Caller: the handler creates an invoice on a (fake, local, flaky)
//   billing API; its first attempt gets a 503 and the Caller retries.
// - Poller: every 1.5 s a settlements check calls the same API; one query in
//   three fails, is logged, and the schedule goes on.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import {
  Caller,
  gracefulShutdown,
  memoryReplayStore,
  Poller,
  signWebhook,
  webhook,
  type WebhookOptions,
} from "../lib";
import { startBillingAPI } from "./demo/billing-api";
import { log, say } from "./demo/log";

const WEBHOOK_SECRET = process.env.PAYMENT_WEBHOOK_SECRET ??
  "whsec-demo-not-a-real-secret";

interface Payment {
  id: string;
  amount: number;
  patient: string;
}

function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
    server.once("error", (err: NodeJS.ErrnoException) => {
      // port 3000 taken: any free port does for a demo
      if (err.code === "EADDRINUSE" && port !== 0) {
        resolve(listen(app, 0));
      } else {
        reject(err);
      }
    });
  });
}

async function main(): Promise<void> {
  const billingAPI = await startBillingAPI();

  // the Caller: retries, a deadline per attempt, one idempotency key a POST
  const billing = new Caller({
    baseURL: billingAPI.url,
    timeout: 2_000,
    maxRetry: 3,
    maxRetryAfter: 2_000,
    idempotencyKey: true,
    logger: log,
  });

  // the webhook receiver
  const options: WebhookOptions = {
    secret: WEBHOOK_SECRET,
    replayStore: memoryReplayStore(),
    logger: log,
  };
  const app = express();
  app.use("/hooks/payments", webhook(options, {
    "payment.succeeded": async (_req, res, body) => {
      const payment = JSON.parse(body.toString("utf8")) as Payment;
      const { invoice_id } = await billing.post<{ invoice_id: string }>(
        "/invoices", { payment: payment.id, amount: payment.amount });
      log.info({ payment: payment.id, invoice: invoice_id },
        "handler: invoice created");
      res.statusCode = 200;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ invoice_id }));
    },
  }));
  app.use(express.json());

  // the poller, with a Caller of its own that does not retry: a failure
  // shows as a failed tick, and the next tick comes on schedule
  const ledger = new Caller({ baseURL: billingAPI.url, maxRetry: 0, logger: log });
  const settlements = new Poller({
    name: "settlements",
    interval: 1_500,
    runOnStart: true,
    logger: log,
    fn: async (signal) => {
      const state = await ledger.get<{ pending: number }>(
        "/settlements", undefined, { signal });
      log.info({ pending: state.pending }, "settlements checked");
    },
  });

  const server = await listen(app, Number(process.env.PORT ?? 3000));
  const { port } = server.address() as AddressInfo;
  const shutdown = gracefulShutdown(server, { timeout: 10_000, logger: log });
  app.get("/ready", (_req, res) => {
    res.sendStatus(shutdown.isShuttingDown ? 503 : 200);
  });
  shutdown.waitFor(settlements);
  shutdown.addCleanup(() => billingAPI.close(), "fake billing API");
  void settlements.start(shutdown.signal);

  const url = `http://127.0.0.1:${port}/hooks/payments`;
  say(`payments service listening on http://127.0.0.1:${port}\n`);
  await sendDeliveries(url, options);

  say(
    "\nthe service keeps running (the poller ticks every 1.5 s); try:\n" +
      `  echo '{"id":"pay_9","amount":100}' | WEBHOOK_SECRET=${WEBHOOK_SECRET} ` +
      `npm run -s cli -- send ${url} -e payment.succeeded\n` +
      "press Ctrl-C to shut down gracefully\n",
  );
}

/** One valid, one forged and one replayed delivery, each explained. */
async function sendDeliveries(
  url: string,
  options: WebhookOptions,
): Promise<void> {
  const body = JSON.stringify({ id: "pay_1", amount: 4200, patient: "p_42" });
  const signed = signWebhook(options, body, {
    event: "payment.succeeded",
    id: "delivery-1",
  });
  const forged = {
    ...signWebhook({ ...options, secret: "a-guessed-secret" }, body, {
      event: "payment.succeeded",
      id: "delivery-2",
    }),
  };

  const cases = [
    { label: "1. a valid delivery", headers: signed,
      expect: "200: verified, handled; the Caller retried the billing API" },
    { label: "2. a forged delivery", headers: forged,
      expect: "401: signature mismatch; the handler never ran" },
    { label: "3. the first delivery again", headers: signed,
      expect: "409: a replay of delivery-1; the handler never ran" },
  ];

  for (const { label, headers, expect } of cases) {
    say(`${label}`);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    const text = (await response.text()).trim();
    say(`   -> ${response.status} ${text}   (${expect})\n`);
  }
}

main().catch((err: unknown) => {
  log.error({ err }, "demo failed");
  process.exitCode = 1;
});
