// Verified deliveries per second through webhook(), against a hand-written
// Express endpoint (express.raw() + createHmac + timingSafeEqual) and
// against @octokit/webhooks' createNodeMiddleware, on the same load in the
// same run. Goal: webhook() keeps at least 0.9 of the baseline.
//
// Each endpoint runs alone in a child process while this process sends it
// signed deliveries over keep-alive connections; the kinds take turns for
// several rounds and the median of each is reported, so that a slow moment
// of the machine does not land on one kind only.
//
// Wall-clock throughput on a shared machine is noisy, so the server child
// also reports the CPU time it spent (process.cpuUsage()) per delivery
// over the timed window: the cost of one delivery, which the load of other
// processes changes far less. Both are given as ratios to the baseline.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import { once } from "node:events";
import { generateLoad, median } from "./load";
import { BENCH_SECRET, type ServerUsage } from "./webhook-server";

const KINDS = ["baseline", "kit", "octokit"] as const;
type Kind = (typeof KINDS)[number];

const SIZES = [
  { label: "1 KiB", bytes: 1024, connections: 16 },
  { label: "1 MiB", bytes: 1024 * 1024, connections: 4 },
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);

function makeBody(bytes: number): Buffer {
  const head = '{"action":"opened","padding":"';
  const tail = '"}';
  const fill = "x".repeat(bytes - head.length - tail.length);
  return Buffer.from(head + fill + tail);
}

function makeHeaders(body: Buffer): Record<string, string> {
  const digest = createHmac("sha256", BENCH_SECRET).update(body).digest("hex");
  return {
    "content-type": "application/json",
    "x-hub-signature-256": `sha256=${digest}`,
    "x-event-type": "push",
    "x-github-event": "push",
    "x-github-delivery": randomUUID(),
  };
}

async function startEndpoint(
  kind: Kind,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "webhook-server.ts"), kind],
    { stdio: ["ignore", "pipe", "inherit", "ipc"] },
  );
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, url: `http://127.0.0.1:${chunk.toString().trim()}` };
}

async function usage(child: ChildProcess): Promise<ServerUsage> {
  const answer = once(child, "message");
  child.send("usage");
  const [message] = (await answer) as [ServerUsage];
  return message;
}

interface Sample {
  perSecond: number;
  /** Server CPU time per delivery, in microseconds. */
  cpuMicros: number;
}

async function measure(
  kind: Kind,
  body: Buffer,
  connections: number,
): Promise<Sample> {
  const { child, url } = await startEndpoint(kind);
  const load = { url, path: "/hooks", headers: makeHeaders(body), body };

  try {
    // warm-up: let the JIT and the connection pool settle
    await generateLoad({ ...load, connections, durationMs: 500 });

    const before = await usage(child);
    const result = await generateLoad({
      ...load,
      connections,
      durationMs: DURATION_MS,
    });
    const after = await usage(child);
    if (result.failures > 0) {
      throw new Error(`${kind}: ${result.failures} deliveries not accepted`);
    }
    const cpuMicros = (after.cpuMicros - before.cpuMicros) /
      (after.served - before.served);
    return { perSecond: result.perSecond, cpuMicros };
  } finally {
    child.kill();
    await once(child, "exit");
  }
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |\n`;
}

async function main(): Promise<void> {
  process.stdout.write(
    `webhook deliveries/s, median of ${ROUNDS} rounds of ${DURATION_MS} ms; ` +
      "server CPU us per delivery; ratios: higher is better for webhook()\n\n",
  );
  process.stdout.write(row([
    "body", "measure", "baseline", "webhook()", "octokit",
    "webhook()/baseline", "webhook()/octokit",
  ]) + "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");

  for (const size of SIZES) {
    const body = makeBody(size.bytes);
    const samples: Record<Kind, Sample[]> = {
      baseline: [],
      kit: [],
      octokit: [],
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const kind of KINDS) {
        samples[kind].push(await measure(kind, body, size.connections));
      }
    }

    const rate = KINDS.map((kind) =>
      median(samples[kind].map((sample) => sample.perSecond)));
    const cpu = KINDS.map((kind) =>
      median(samples[kind].map((sample) => sample.cpuMicros)));
    const [base, kit, octokit] = rate;
    const [baseCpu, kitCpu, octokitCpu] = cpu;
    // CPU per delivery: the baseline's over webhook()'s, so that as for
    // throughput a ratio of 1.1 means webhook() is cheaper by a tenth
    process.stdout.write(row([
      size.label, "deliveries/s",
      ...rate.map((value) => value.toFixed(0)),
      (kit / base).toFixed(2), (kit / octokit).toFixed(2),
    ]));
    process.stdout.write(row([
      size.label, "CPU us/delivery",
      ...cpu.map((value) => value.toFixed(0)),
      (baseCpu / kitCpu).toFixed(2), (octokitCpu / kitCpu).toFixed(2),
    ]));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`webhook bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
