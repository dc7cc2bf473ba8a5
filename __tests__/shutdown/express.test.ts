import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import express4 from "express4";
import { gracefulShutdown, silentLogger } from "../../lib";
import { deferred } from "../poller/support";
import { closed, get, keepAliveAgent } from "./support";

// The server an Express app's listen() returns, in both major versions:
// the shutdown must see its requests before the app answers them.
describe.each([
  ["express 5", express],
  ["express 4", express4 as unknown as typeof express],
])("gracefulShutdown() with an %s app", (_version, createApp) => {
  let server: http.Server;
  const agents: http.Agent[] = [];

  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("closes idle keep-alive connections and lets a request finish",
    async () => {
      const release = deferred();
      const arrived = deferred();
      const app = createApp();
      app.get("/", (_req, res) => { res.send("ok"); });
      app.get("/slow", (_req, res) => {
        arrived.resolve();
        void release.promise.then(() => res.json({ done: true }));
      });
      server = app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
      server.keepAliveTimeout = 60_000;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const exit = jest.fn<void, [number]>();
      const shutdown = gracefulShutdown(server, {
        signals: [], exit, logger: silentLogger,
      });
      agents.push(keepAliveAgent(), keepAliveAgent());

      const idle = await get(`${url}/`, agents[0] as http.Agent);
      expect(idle.headers.connection).toBe("keep-alive");
      const slow = get(`${url}/slow`, agents[1] as http.Agent);
      await arrived.promise;
      const ending = shutdown.begin();
      await closed(idle.socket);

      release.resolve();
      const reply = await slow;
      expect(reply.body).toBe("{\"done\":true}");
      expect(reply.headers.connection).toBe("close");
      await expect(ending).resolves.toBe(0);
    });
});
