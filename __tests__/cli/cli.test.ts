import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import {
  memoryReplayStore,
  silentLogger,
  webhook,
  type WebhookPresetName,
} from "../../lib";
import { startServer, type TestServer } from "../helpers/server";

// The command is run as users run it: the built bin in a child process,
// with its exit code and its two output streams checked.
const bin = path.join(__dirname, "..", "..", "dist", "cli", "main.js");
const SECRET = "cli-test-secret";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH, ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin!.end(options.input ?? "");
  });
}

let dir: string;
let bodyFile: string;
const body = '{"type":"payment.succeeded","id":"evt_1","amount":"12 €"}';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "integration-kit-cli-"));
  bodyFile = path.join(dir, "body.json");
  writeFileSync(bodyFile, body);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A receiver for `preset` that records the raw bodies it accepted. */
async function startReceiver(
  preset: WebhookPresetName | undefined,
  secret: string,
): Promise<{ server: TestServer; bodies: string[] }> {
  const bodies: string[] = [];
  const app = express();
  app.use(
    "/hooks",
    webhook({
      preset,
      secret,
      replayStore: memoryReplayStore(),
      logger: silentLogger,
    }, {
      "*": (_req, _res, raw) => {
        bodies.push(raw.toString("utf8"));
      },
    }),
  );
  return { server: await startServer(app), bodies };
}

describe("integration-kit", () => {
  it("prints the list of commands with --help and exits 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sign .*\n.*send /s);
  });

  it("refuses an unknown command with exit code 2", async () => {
    const result = await run(["verify"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command verify");
  });
});

describe("integration-kit sign", () => {
  it("prints its options with --help", async () => {
    const result = await run(["sign", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--preset");
    expect(result.stdout).toContain("WEBHOOK_SECRET");
  });

  it.each<[WebhookPresetName | "default", string, string[]]>([
    ["default", SECRET, ["-e", "payment.succeeded"]],
    ["github", SECRET, ["-e", "push"]],
    ["stripe", "whsec_stripe_like", []],
    ["shopify", SECRET, ["-e", "orders/create"]],
    ["standard-webhooks", WHSEC, []],
  ])("signs for the %s scheme so that the receiver accepts it",
    async (preset, secret, extra) => {
      const named = preset === "default" ? undefined : preset;
      const { server, bodies } = await startReceiver(named, secret);
      try {
        const presetArgs = named ? ["-p", named] : [];
        const result = await run(
          ["sign", ...presetArgs, ...extra, "--json", bodyFile],
          { env: { WEBHOOK_SECRET: secret } },
        );
        expect(result.code).toBe(0);

        const headers = JSON.parse(result.stdout) as Record<string, string>;
        const response = await fetch(`${server.url}/hooks`, {
          method: "POST",
          headers,
          body,
        });
        expect(response.status).toBe(200);
        expect(bodies).toEqual([body]);
      } finally {
        await server.close();
      }
    });

  it("reads the body from standard input", async () => {
    const result = await run(["sign", "-i", "d-1"], {
      env: { WEBHOOK_SECRET: SECRET },
      input: body,
    });
    const fromFile = await run(["sign", "-i", "d-1", bodyFile], {
      env: { WEBHOOK_SECRET: SECRET },
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("x-hub-signature-256: sha256=");
    expect(result.stdout).toBe(fromFile.stdout);
  });

  it("prints a curl command that the receiver accepts", async () => {
    const { server, bodies } = await startReceiver("github", SECRET);
    try {
      const result = await run(
        ["sign", "-p", "github", "-e", "push", "--curl",
          `${server.url}/hooks`, bodyFile],
        { env: { WEBHOOK_SECRET: SECRET } },
      );
      expect(result.stdout).toMatch(/^curl /);

      const curl = await new Promise<string>((resolve, reject) => {
        execFile("sh", ["-c", `${result.stdout.trim()} -w '%{http_code}'`],
          (error, stdout) => (error ? reject(error) : resolve(stdout)));
      });
      expect(curl).toMatch(/200$/);
      expect(bodies).toEqual([body]);
    } finally {
      await server.close();
    }
  });

  it("keeps the secret out of everything it prints", async () => {
    const result = await run(["sign", "--secret", SECRET, bodyFile]);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it("exits 2 and names the fix when no secret is given", async () => {
    const result = await run(["sign", bodyFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("set WEBHOOK_SECRET or pass --secret");
    expect(result.stdout).toBe("");
  });

  it("exits 2 for an unknown preset, listing the known ones", async () => {
    const result = await run(["sign", "-p", "paypal", bodyFile], {
      env: { WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown preset paypal");
    expect(result.stderr).toContain("standard-webhooks");
  });

  it("exits 2 for --event on a scheme that names events in the body",
    async () => {
      const result = await run(["sign", "-p", "stripe", "-e", "x", bodyFile], {
        env: { WEBHOOK_SECRET: SECRET },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("its event name is in the body");
    });

  it("exits 1 when the file cannot be read", async () => {
    const result = await run(["sign", path.join(dir, "missing.json")], {
      env: { WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot read");
    expect(result.stderr).toContain("ENOENT");
  });
});

describe("integration-kit send", () => {
  it("posts the signed body and exits 0 on a 2xx answer", async () => {
    const { server, bodies } = await startReceiver(undefined, SECRET);
    try {
      const result = await run(
        ["send", `${server.url}/hooks`, "-e", "payment.succeeded", bodyFile],
        { env: { WEBHOOK_SECRET: SECRET } },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^HTTP 200 OK\n/);
      expect(bodies).toEqual([body]);
    } finally {
      await server.close();
    }
  });

  it("prints the answer and exits 1 when the receiver refuses", async () => {
    const { server, bodies } = await startReceiver(undefined, "other-secret");
    try {
      const result = await run(
        ["send", `${server.url}/hooks`, "-e", "payment.succeeded", bodyFile],
        { env: { WEBHOOK_SECRET: SECRET } },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^HTTP 401 /);
      expect(bodies).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("sends extra headers given with -H", async () => {
    let seen: string | undefined;
    const server = await startServer((req, res) => {
      seen = req.headers["x-request-id"] as string | undefined;
      res.end("ok");
    });
    try {
      const result = await run(
        ["send", server.url, "-H", "X-Request-Id: r-42", bodyFile],
        { env: { WEBHOOK_SECRET: SECRET } },
      );
      expect(result.code).toBe(0);
      expect(seen).toBe("r-42");
    } finally {
      await server.close();
    }
  });

  it("stops quietly when the reader of its output goes away", async () => {
    const server = await startServer((_req, res) => {
      res.end("x".repeat(4 * 1024 * 1024));
    });
    try {
      // as `| head -c 10` does: read one chunk, then close the pipe
      const child = spawn(process.execPath, [bin, "send", server.url, bodyFile],
        { env: { PATH: process.env.PATH, WEBHOOK_SECRET: SECRET } });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      child.stdout.once("data", () => child.stdout.destroy());
      const [code] = (await once(child, "exit")) as [number | null];

      expect(stderr).toBe("");
      expect(code).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("exits 1 and says so when the connection is refused", async () => {
    const server = await startServer((_req, res) => res.end());
    const url = server.url;
    await server.close();

    const result = await run(["send", url, bodyFile], {
      env: { WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot reach");
    expect(result.stderr).toContain("ECONNREFUSED");
  });

  it("exits 2 when the URL is missing or not http(s)", async () => {
    const env = { WEBHOOK_SECRET: SECRET };
    const missing = await run(["send"], { env });
    const ftp = await run(["send", "ftp://example.test/", bodyFile], { env });

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("send needs a URL");
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain("not an http(s) URL");
  });
});
