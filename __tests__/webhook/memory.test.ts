import net from "node:net";
import request from "supertest";

import { signWebhook, silentLogger, webhook } from "../../lib/index";
import { startServer, type TestServer } from "../helpers/server";
import { appFactories, hookPath } from "./helpers/apps";

// Memory stays bounded by maxBodyBytes whatever a client sends: a client
// offers far more bytes than the limit, as fast as the socket takes them,
// and the server must have read only about the limit off the socket (plus
// what one socket read brings in) when the connection ends.

const options = { secret: "memory-test-secret", logger: silentLogger };
const maxBodyBytes = 1024;
const offeredBytes = 64 * 1024 * 1024;
// far below what was offered, far above the limit plus one socket read
const readBound = 4 * 1024 * 1024;

interface Flood {
  answer: string;
  /** Bytes the server read off the connection, counted on its side. */
  serverRead: number;
}

/**
 * Writes `head`, then `chunk` over and over (waiting for drain) until
 * `offeredBytes` were written or the server closed the connection.
 */
function flood(server: TestServer, head: string, chunk: Buffer) {
  const serverSide = new Promise<number>((resolve) => {
    server.server.once("connection", (socket) => {
      socket.once("close", () => resolve(socket.bytesRead));
    });
  });

  const clientSide = new Promise<string>((resolve) => {
    const socket = net.connect(server.port, "127.0.0.1");
    let answer = "";
    let written = 0;
    socket.on("data", (data: Buffer) => {
      answer += data.toString("latin1");
    });
    // the server closes while the client is still writing
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));

    const pump = (): void => {
      while (written < offeredBytes && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.end();
    };
    socket.write(head);
    pump();
  });

  return Promise.all([clientSide, serverSide])
    .then(([answer, serverRead]): Flood => ({ answer, serverRead }));
}

describe.each(appFactories)("webhook() memory bound in $name", (factory) => {
  let server: TestServer;
  let calls: number;

  beforeEach(async () => {
    calls = 0;
    server = await startServer(factory.create(webhook(
      { ...options, maxBodyBytes },
      { "*": () => { calls += 1; } },
    )));
  });

  afterEach(() => server.close());

  describe("with maxBodyBytes", () => {
    it("stops reading a chunked body that never ends at the limit", async () => {
      const data = Buffer.alloc(64 * 1024, 0x61);
      const size = `${data.length.toString(16)}\r\n`;
      const chunk = Buffer.concat([
        Buffer.from(size), data, Buffer.from("\r\n"),
      ]);

      const { answer, serverRead } = await flood(server,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\n` +
          "Transfer-Encoding: chunked\r\n\r\n",
        chunk);

      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(serverRead).toBeLessThan(readBound);
      expect(calls).toBe(0);
    });

    it("reads no more than the declared length of a longer body", async () => {
      const { answer, serverRead } = await flood(server,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n`,
        Buffer.alloc(64 * 1024, 0x61));

      // the bytes past the declared length are not a request: Node's parser
      // refuses them, possibly before the receiver's own 401 is written
      expect(answer).toMatch(/^HTTP\/1\.1 40[01] /);
      expect(serverRead).toBeLessThan(readBound);
      expect(calls).toBe(0);
    });

    it("still serves a valid delivery after a flood", async () => {
      await flood(server,
        `POST ${hookPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`,
        Buffer.alloc(64 * 1024, 0x61));
      const body = '{"after":"flood"}';

      const res = await request(server.url).post(hookPath)
        .set(signWebhook(options, body, { event: "any" })).send(body);

      expect(res.status).toBe(200);
      expect(calls).toBe(1);
    });
  });
});
