// Recipe: receive Stripe webhooks. Stripe signs `<t>.<body>` with the
// endpoint's signing secret (`whsec_...`, used as given) and names the event
// in the JSON body's `type`; its `id` is the replay key.
//
//   STRIPE_WEBHOOK_SECRET=whsec_... npx tsx examples/webhook-stripe.ts
import express from "express";

// in your app: from "integration-kit"
import { memoryReplayStore, webhook } from "../lib/index";

interface StripeEvent {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
}

const app = express();

app.use("/hooks/stripe", webhook({
  preset: "stripe",
  secret: process.env.STRIPE_WEBHOOK_SECRET,
  // Stripe retries failed deliveries for days; ids are remembered a day
  replayStore: memoryReplayStore({ ttl: 24 * 60 * 60 * 1000 }),
}, {
  "invoice.paid": async (_req, _res, body) => {
    const event = JSON.parse(body.toString("utf8")) as StripeEvent;
    console.log("invoice paid", event.data.object.id);
  },
  "customer.subscription.deleted": async (_req, _res, body) => {
    const event = JSON.parse(body.toString("utf8")) as StripeEvent;
    console.log("subscription ended", event.data.object.id);
  },
  // Stripe expects a 2xx for events the endpoint does not handle, too
  "*": () => undefined,
}));

// the rest of the app parses JSON as usual
app.use(express.json());

app.listen(Number(process.env.PORT ?? 3000));
