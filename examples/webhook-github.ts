// Recipe: receive GitHub webhooks, with a JSON parser that runs before the
// receiver (as in an app that parses every route). `keepRawBody` keeps the
// exact bytes for the signature check.
//
//   GITHUB_WEBHOOK_SECRET=... npx tsx examples/webhook-github.ts
import express, { type Request, type Response } from "express";

// in your app: from "integration-kit"
import { keepRawBody, memoryReplayStore, webhook } from "../lib/index";

const app = express();
app.use(express.json({ verify: keepRawBody, limit: "1mb" }));

app.use("/hooks/github", webhook<Request, Response>({
  preset: "github",
  // during a rotation: [process.env.GITHUB_WEBHOOK_SECRET, previousSecret]
  secret: process.env.GITHUB_WEBHOOK_SECRET,
  replayStore: memoryReplayStore(),
}, {
  ping: (_req, res) => {
    res.status(200).json({ pong: true });
  },
  push: async (req, _res, _body, delivery) => {
    // express.json() already parsed the body; the raw bytes were verified
    const push = req.body as { ref: string; commits: unknown[] };
    console.log(delivery.id, push.ref, `${push.commits.length} commits`);
  },
  "*": (_req, _res, _body, delivery) => {
    console.log("not handled:", delivery.event);
  },
}));

app.listen(Number(process.env.PORT ?? 3000));
