import http from "node:http";
import zlib from "node:zlib";
import axios from "axios";
import {
  Caller,
  CrossOriginRedirectError,
  ResponseTooLargeError,
} from "../../lib";
import {
  rejectionOf,
  sendJSON,
  startUpstream,
  testOptions,
  type Upstream,
} from "./upstream";

const MiB = 1024 * 1024;

/**
 * Streams `total` bytes honouring backpressure, so that the upstream's own
 * memory stays flat, and counts what it managed to write before the
 * connection was cut.
 */
function streamBytes(
  res: http.ServerResponse,
  status: number,
  total: number,
  written: { bytes: number },
): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(status, { "content-length": String(total) });

  const pump = (): void => {
    while (written.bytes < total && !res.destroyed) {
      written.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on("error", () => undefined);
  pump();
}

describe("Caller limits", () => {
  let upstream: Upstream;
  afterEach(() => upstream.close());

  describe("with maxResponseBytes", () => {
    it.each([
      ["a 50 MiB 200 response", 200],
      ["a 50 MiB error body", 500],
    ])("cuts %s at the limit, bounded in memory and not retried",
      async (_label, status) => {
        const written = { bytes: 0 };
        upstream = await startUpstream((_req, res) =>
          streamBytes(res, status, 50 * MiB, written));
        const caller = new Caller(testOptions(upstream));
        global.gc?.();
        const before = process.memoryUsage().rss;

        const error = await rejectionOf(caller.get("/big"));
        const growth = process.memoryUsage().rss - before;

        expect(error).toBeInstanceOf(ResponseTooLargeError);
        expect(error).toMatchObject({ code: "ERR_RESPONSE_TOO_LARGE",
          limit: 4 * MiB, attempts: 1 });
        expect(upstream.hits).toHaveLength(1);
        expect(growth).toBeLessThan(20 * MiB);
        // the connection was cut: the upstream got nowhere near 50 MiB out
        expect(written.bytes).toBeLessThan(20 * MiB);
      });

    it("counts decompressed bytes, so a small gzip bomb is cut too",
      async () => {
        const bomb = zlib.gzipSync(Buffer.alloc(8 * MiB));
        upstream = await startUpstream((_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip" });
          res.end(bomb);
        });
        const caller = new Caller(testOptions(upstream,
          { maxResponseBytes: MiB }));
        const error = await rejectionOf(caller.get("/bomb"));
        expect(error).toBeInstanceOf(ResponseTooLargeError);
        expect(error.message).toContain("over the limit of 1048576 bytes");
      });

    it("fails a body that does not decompress, without retrying",
      async () => {
        upstream = await startUpstream((_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip" });
          res.end("this is not gzip");
        });
        const caller = new Caller(testOptions(upstream));
        const error = await rejectionOf(caller.get("/broken"));
        expect(error).toMatchObject({ name: "NetworkError",
          retriable: false, attempts: 1 });
        expect(upstream.hits).toHaveLength(1);
      });

    it("is final on an instance using axios' fetch adapter too",
      async () => {
        // there axios enforces the limit, and only its message tells it
        // from a retriable failure: this pins that message
        upstream = await startUpstream((_req, res) =>
          res.end(JSON.stringify("x".repeat(4096))));
        const caller = new Caller(testOptions(upstream, {
          axios: axios.create({ adapter: "fetch" }),
          maxResponseBytes: 1024 }));
        const error = await rejectionOf(caller.get("/x"));
        expect(error).toBeInstanceOf(ResponseTooLargeError);
        expect(error).toMatchObject({ attempts: 1 });
        expect(upstream.hits).toHaveLength(1);
      });

    it("accepts a body of exactly the limit", async () => {
      upstream = await startUpstream((_req, res) =>
        res.end(JSON.stringify("x".repeat(98))));
      const caller = new Caller(testOptions(upstream,
        { maxResponseBytes: 100 }));
      await expect(caller.get("/x")).resolves.toHaveLength(98);
    });

    it("refuses a small body one byte over the limit, arrived whole",
      async () => {
        upstream = await startUpstream((_req, res) =>
          res.end(JSON.stringify("x".repeat(99))));
        const caller = new Caller(testOptions(upstream,
          { maxResponseBytes: 100 }));
        await expect(caller.get("/x")).rejects
          .toBeInstanceOf(ResponseTooLargeError);
      });

    it("is disabled by Infinity", async () => {
      upstream = await startUpstream((_req, res) =>
        res.end(JSON.stringify("x".repeat(5 * MiB))));
      const caller = new Caller(testOptions(upstream,
        { maxResponseBytes: Infinity }));
      await expect(caller.get("/x")).resolves.toHaveLength(5 * MiB);
    });
  });

  describe("redirects", () => {
    it("follows a same-origin redirect, keeping the headers", async () => {
      upstream = await startUpstream((req, res) => {
        if (req.url === "/old") {
          return void res.writeHead(301, { location: "/new" }).end();
        }
        sendJSON(res, 200, { at: req.url });
      });
      const caller = new Caller(testOptions(upstream,
        { headers: { Authorization: "Bearer same-origin" } }));
      await expect(caller.get("/old")).resolves.toEqual({ at: "/new" });
      expect(upstream.hits[1].headers.authorization)
        .toBe("Bearer same-origin");
    });

    it.each([
      ["another host",
        (other: Upstream) => `http://localhost:${other.port}/landing`],
      ["another port of the same host",
        (other: Upstream) => `http://127.0.0.1:${other.port}/landing`],
    ])("refuses a redirect to %s before it is reached", async (_l, target) => {
      const other = await startUpstream((_req, res) => sendJSON(res, 200, {}));
      try {
        upstream = await startUpstream((_req, res) =>
          res.writeHead(302, { location: `${target(other)}?t=1` }).end());
        const caller = new Caller(testOptions(upstream,
          { headers: { Authorization: "Bearer secret" } }));

        const error = await rejectionOf(caller.get("/go"));
        expect(error).toBeInstanceOf(CrossOriginRedirectError);
        expect(error).toMatchObject({ code: "ERR_CROSS_ORIGIN_REDIRECT",
          attempts: 1 });
        expect((error as CrossOriginRedirectError).location)
          .toBe(target(other));
        expect(error.message).not.toContain("t=1");
        // follow-redirects wraps the refusal thrown from beforeRedirect
        expect((error.cause as { code?: string }).code)
          .toBe("ERR_FR_REDIRECTION_FAILURE");
        expect(other.hits).toHaveLength(0);
        expect(upstream.hits).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    it("refuses a downgrade to another scheme", async () => {
      upstream = await startUpstream((_req, res) =>
        res.writeHead(307, { location: "ftp://127.0.0.1/x" }).end());
      const caller = new Caller(testOptions(upstream));
      await expect(caller.get("/go")).rejects
        .toBeInstanceOf(CrossOriginRedirectError);
    });
  });
});
