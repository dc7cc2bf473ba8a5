import request from "supertest";

import {
  signWebhook,
  webhook,
  type ReplayStore,
  type WebhookHandler,
} from "../../lib/index";
import { plainApp } from "./helpers/apps";
import { captureLogger } from "./helpers/capture-logger";

// A store with commit() holds fresh claims briefly; the receiver commits a
// claim once its handler succeeded and never after it failed.

const secret = "commit-secret";
const body = '{"order":7}';
const headers = signWebhook({ secret }, body, {
  event: "order.paid",
  id: "delivery-7",
});

/** A store that records every call, in order, as `operation:id:token`. */
function recordingStore(commit?: () => Promise<void>) {
  const calls: string[] = [];
  let next = 0;
  const store: ReplayStore = {
    claim: async (id) => {
      calls.push(`claim:${id}`);
      next += 1;
      return `token-${next}`;
    },
    release: async (id, token) => {
      calls.push(`release:${id}:${token}`);
    },
    commit: async (id, token) => {
      calls.push(`commit:${id}:${token}`);
      await commit?.();
    },
  };
  return { store, calls };
}

function post(store: ReplayStore, handler: WebhookHandler) {
  const logger = captureLogger();
  const listener = plainApp.create(webhook(
    { secret, logger, replayStore: store },
    { "order.paid": handler },
  ));
  const sent = request(listener).post("/hooks").set(headers).send(body);
  return { sent, logger };
}

describe("webhook()", () => {
  describe("with a replayStore that has commit()", () => {
    it("commits the claim before answering 200", async () => {
      let answeredBeforeCommit = false;
      const { store, calls } = recordingStore(async () => {
        answeredBeforeCommit = calls.includes("answered");
      });

      const { sent } = post(store, () => undefined);
      const response = await sent;
      calls.push("answered");

      expect(response.status).toBe(200);
      expect(calls).toEqual([
        "claim:delivery-7",
        "commit:delivery-7:token-1",
        "answered",
      ]);
      expect(answeredBeforeCommit).toBe(false);
    });

    it("commits after a handler that answered 2xx itself", async () => {
      const { store, calls } = recordingStore();

      const { sent } = post(store, (_req, res) => {
        res.statusCode = 202;
        res.end("queued");
      });

      expect((await sent).status).toBe(202);
      expect(calls).toContain("commit:delivery-7:token-1");
    });

    it("releases and never commits when the handler fails", async () => {
      const { store, calls } = recordingStore();

      const { sent } = post(store, async () => {
        throw new Error("database down");
      });

      expect((await sent).status).toBe(500);
      expect(calls).toEqual([
        "claim:delivery-7",
        "release:delivery-7:token-1",
      ]);
    });

    it("releases and never commits when the handler answered 5xx", async () => {
      const { store, calls } = recordingStore();

      const { sent } = post(store, (_req, res) => {
        res.statusCode = 503;
        res.end();
      });

      expect((await sent).status).toBe(503);
      expect(calls).not.toContain("commit:delivery-7:token-1");
      expect(calls).toContain("release:delivery-7:token-1");
    });

    it("commits, not releases, a success answered before the handler threw", async () => {
      const { store, calls } = recordingStore();

      const { sent } = post(store, (_req, res) => {
        res.end("done");
        throw new Error("audit log unavailable");
      });

      expect((await sent).status).toBe(200);
      expect(calls).toEqual([
        "claim:delivery-7",
        "commit:delivery-7:token-1",
      ]);
    });

    it("commits after a handler that set a 2xx status and returned", async () => {
      const { store, calls } = recordingStore();

      const { sent } = post(store, (_req, res) => {
        res.statusCode = 202;
      });

      expect((await sent).status).toBe(202);
      expect(calls).toEqual([
        "claim:delivery-7",
        "commit:delivery-7:token-1",
      ]);
    });

    it("still answers 200 and logs a warning when commit fails", async () => {
      const { store } = recordingStore(async () => {
        throw new Error("store unreachable");
      });

      const { sent, logger } = post(store, () => undefined);

      expect((await sent).status).toBe(200);
      const line = logger.lines.find(
        (entry) => entry.msg === "webhook replay claim not committed",
      );
      expect(line).toMatchObject({
        level: "warn",
        obj: { deliveryId: "delivery-7" },
      });
      expect(logger.text()).not.toContain(secret);
    });
  });
});
