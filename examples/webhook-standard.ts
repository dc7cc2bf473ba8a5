// Recipe: receive Standard Webhooks (and Svix) deliveries in a plain Node
// server, no framework. The secret is `whsec_<base64 key>`; the signed
// string is `<webhook-id>.<webhook-timestamp>.<body>`; the JSON `type`
// names the event and `webhook-id` is the replay key.
//
//   WEBHOOK_SECRET=whsec_... npx tsx examples/webhook-standard.ts
import http from "node:http";

// in your app: from "integration-kit"
import { memoryReplayStore, webhook } from "../lib/index";

const receive = webhook({
  preset: "standard-webhooks",
  secret: process.env.WEBHOOK_SECRET,
  // a delivery older than the 5-minute tolerance is refused by its
  // timestamp, so ids need not be remembered much longer
  replayStore: memoryReplayStore({ ttl: 10 * 60 * 1000 }),
}, {
  "user.created": async (_req, res, body) => {
    const event = JSON.parse(body.toString("utf8")) as { data: unknown };
    console.log("user created", event.data);
    res.statusCode = 204;
    res.end();
  },
});

http.createServer((req, res) => {
  if (req.url === "/hooks/users" && req.method === "POST") {
    receive(req, res);
    return;
  }
  res.statusCode = 404;
  res.end();
}).listen(Number(process.env.PORT ?? 3000));
