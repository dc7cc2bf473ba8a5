// Calls per second through a Caller, against the same axios setup used
// bare and against undici's request() as the ceiling, for small JSON on a
// keep-alive loopback server. The server runs in a child process so that
// its work is not billed to the clients; rounds are interleaved (A B C A B
// C ...) and the median round is reported, to even out drift on a shared
// machine. Ratios are taken within each round, between clients that ran
// seconds apart, and their median reported: load from other processes
// drifts slower than that, so it mostly cancels out of the ratios.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import axios, { type AxiosInstance } from "axios";
import { Agent, request } from "undici";

type Kit = typeof import("../lib");

const root = path.join(__dirname, "..");

/** The newest modification time of the .ts files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (file.endsWith(".ts")) {
      newest = Math.max(newest, statSync(file).mtimeMs);
    }
  }
  return newest;
}

/**
 * The package as it ships (dist/, built by tsc), rebuilt first when older
 * than its sources: measured through tsx, the library would pay for the
 * transpiler's helpers (a defineProperty per closure, a getter per
 * imported name) that its users never run.
 */
async function loadBuiltKit(): Promise<Kit> {
  const entry = path.join(root, "dist", "index.js");
  let built = 0;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newestSource(path.join(root, "lib"))) {
    const build = spawnSync("npm", ["run", "build"], { cwd: root,
      stdio: "inherit" });
    if (build.status !== 0) throw new Error("bench: npm run build failed");
  }
  return await import(entry) as Kit;
}

const CONCURRENCY = 16;
const CALLS_PER_ROUND = 1_000;
const ROUNDS = 31;

const SERVER_SOURCE = `
  const http = require("node:http");
  const body = JSON.stringify({ id: "inv_42", amount: 1200, paid: false,
    lines: [{ sku: "a", qty: 1 }, { sku: "b", qty: 2 }] });
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json",
      "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () =>
    process.stdout.write(server.address().port + "\\n"));
`;

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["-e", SERVER_SOURCE],
    { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    child.stdout!.once("data", (port: Buffer) => {
      resolve({ child, url: `http://127.0.0.1:${port.toString().trim()}` });
    });
  });
}

interface Round {
  /** Calls per second, wall clock. */
  rate: number;
  /** CPU time of this process per call, in microseconds. */
  cpu: number;
}

/** Runs `call` CALLS_PER_ROUND times, CONCURRENCY at once. */
async function measure(call: () => Promise<unknown>): Promise<Round> {
  let remaining = CALLS_PER_ROUND;
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      remaining -= 1;
      await call();
    }
  };

  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpuUsed = process.cpuUsage(cpuBefore);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    rate: CALLS_PER_ROUND / seconds,
    cpu: (cpuUsed.user + cpuUsed.system) / CALLS_PER_ROUND,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function axiosWithAgent(url: string): AxiosInstance {
  const httpAgent = new http.Agent({ keepAlive: true,
    maxSockets: CONCURRENCY });
  return axios.create({ baseURL: url, httpAgent });
}

async function main(): Promise<void> {
  const { Caller, silentLogger } = await loadBuiltKit();
  const { child, url } = await startServer();

  // the same axios setup twice: one used bare, one under the Caller
  const bare = axiosWithAgent(url);
  const caller = new Caller({ axios: axiosWithAgent(url), baseURL: url,
    logger: silentLogger });
  const dispatcher = new Agent({ connections: CONCURRENCY });

  const clients: Array<[string, () => Promise<unknown>]> = [
    ["axios, bare", async () => (await bare.get("/invoice")).data],
    ["Caller", () => caller.get("/invoice")],
    ["undici request()", async () => {
      const { body } = await request(`${url}/invoice`, { dispatcher });
      return body.json();
    }],
  ];

  // warm up connections and the JIT before measuring
  for (const [, call] of clients) await measure(call);

  const rounds = new Map<string, Round[]>(clients.map(([name]) =>
    [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    // rotate the order, so that no client always runs first or last
    for (let i = 0; i < clients.length; i += 1) {
      const [name, call] = clients[(round + i) % clients.length];
      rounds.get(name)!.push(await measure(call));
    }
  }

  const column = (name: string, pick: (round: Round) => number): number[] =>
    rounds.get(name)!.map(pick);
  const ratios = (name: string, pick: (round: Round) => number): number[] => {
    const baseline = column("axios, bare", pick);
    return column(name, pick).map((value, round) => value / baseline[round]);
  };
  const rate = (round: Round): number => round.rate;
  const cpu = (round: Round): number => round.cpu;

  process.stdout.write(`${CALLS_PER_ROUND} calls x ${ROUNDS} rounds, ` +
    `${CONCURRENCY} in flight; medians over rounds, ratios taken within ` +
    "each round\n\n");
  process.stdout.write("| client | calls/s | vs bare axios | " +
    "client CPU µs/call | vs bare axios |\n");
  process.stdout.write("| --- | ---: | ---: | ---: | ---: |\n");
  for (const [name] of clients) {
    const calls = median(column(name, rate)).toFixed(0);
    process.stdout.write(`| ${name} | ${calls}` +
      ` | ${median(ratios(name, rate)).toFixed(3)} | ` +
      `${median(column(name, cpu)).toFixed(1)} | ` +
      `${median(ratios(name, cpu)).toFixed(3)} |\n`);
  }

  const fewerCalls = 1 - median(ratios("Caller", rate));
  const moreCPU = median(ratios("Caller", cpu)) - 1;
  process.stdout.write(`\nCaller overhead over bare axios: ` +
    `${(fewerCalls * 100).toFixed(1)}% fewer calls/s, ` +
    `${(moreCPU * 100).toFixed(1)}% more client CPU per call ` +
    "(goal: under 10%)\n");

  await dispatcher.close();
  child.kill();
}

void main();
