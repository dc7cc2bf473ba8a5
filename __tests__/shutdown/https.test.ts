import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gracefulShutdown, silentLogger } from "../../lib";
import { deferred } from "../poller/support";
import { closed, get } from "./support";

// A self-signed certificate for 127.0.0.1, made for these tests only.
const tls = path.join(__dirname, "..", "fixtures", "tls");
const key = readFileSync(path.join(tls, "key.pem"));
const cert = readFileSync(path.join(tls, "cert.pem"));

describe("gracefulShutdown()", () => {
  describe("with an https server", () => {
    it("closes idle connections and answers in-flight ones with close",
      async () => {
        const release = deferred();
        const arrived = deferred();
        const server = https.createServer({ key, cert }, (req, res) => {
          if (req.url === "/slow") {
            arrived.resolve();
            void release.promise.then(() => res.end("slow done"));
            return;
          }
          res.end("ok");
        });
        server.keepAliveTimeout = 60_000;
        await new Promise<void>((resolve) => {
          server.listen(0, "127.0.0.1", resolve);
        });
        const { port } = server.address() as AddressInfo;
        const url = `https://127.0.0.1:${port}`;
        const agent = () => new https.Agent({
          keepAlive: true, maxSockets: 1, ca: cert,
        });
        const exit = jest.fn<void, [number]>();
        const shutdown = gracefulShutdown(server, {
          signals: [], exit, logger: silentLogger,
        });

        const idle = await get(`${url}/`, agent());
        const slow = get(`${url}/slow`, agent());
        await arrived.promise;
        const ending = shutdown.begin();
        await closed(idle.socket);

        release.resolve();
        const reply = await slow;
        expect(reply.body).toBe("slow done");
        expect(reply.headers.connection).toBe("close");
        await expect(ending).resolves.toBe(0);
        expect(exit).toHaveBeenCalledWith(0);
      });
  });
});
