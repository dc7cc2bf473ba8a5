// The poller's scheduling accuracy beside plain timer loops measured in
// the same process, and the time from SIGTERM to exit for an idle app
// with keep-alive clients connected, beside two baselines.
//
// Lateness is how long after its planned time (origin + k * interval) a
// tick started. A loop that schedules each tick from the end of the last
// one accumulates its lateness, which the "last" column shows.
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Poller, silentLogger } from "../lib";
import { startApp } from "../__tests__/shutdown/child-app";
import { get } from "../__tests__/shutdown/support";

const interval = 10;
const ticks = 300;

type Work = () => Promise<void>;

interface Lateness {
  mean: number;
  worst: number;
  last: number;
  /** Slots passed over because a tick overran (the poller alone). */
  missed: number;
}

/** Lateness of each start against its slot; `slots[k]` is tick k's. */
function summarize(
  starts: number[],
  origin: number,
  slots: number[],
  missed = 0,
): Lateness {
  const late = starts.map((at, k) =>
    at - (origin + (slots[k] ?? 0) * interval));
  const mean = late.reduce((sum, ms) => sum + ms, 0) / late.length;
  return { mean, worst: Math.max(...late), last: late.at(-1) ?? 0, missed };
}

/** Slots 1, 2, 3, ...: a loop that neither skips nor starts at once. */
function everySlot(count: number): number[] {
  return Array.from({ length: count }, (_, k) => k + 1);
}

async function measurePoller(work: Work): Promise<Lateness> {
  const starts: number[] = [];
  const slots: number[] = [];
  const poller = new Poller({
    interval,
    runOnStart: true,
    logger: silentLogger,
    fn: async () => {
      // the slot this tick belongs to: its rank plus the slots skipped
      slots.push(starts.length + poller.status.missed);
      starts.push(performance.now());
      if (starts.length === ticks) void poller.stop();
      await work();
    },
  });

  const origin = performance.now();
  await poller.start();
  return summarize(starts, origin, slots, poller.status.missed);
}

async function measureSetInterval(work: Work): Promise<Lateness> {
  const starts: number[] = [];
  const origin = performance.now();
  await new Promise<void>((resolve) => {
    // note: overlapping calls are possible here, which the poller forbids
    const timer = setInterval(() => {
      starts.push(performance.now());
      if (starts.length === ticks) {
        clearInterval(timer);
        resolve();
      }
      void work();
    }, interval);
  });
  return summarize(starts, origin, everySlot(ticks));
}

async function measureTimeoutChain(work: Work): Promise<Lateness> {
  const starts: number[] = [];
  const origin = performance.now();
  while (starts.length < ticks) {
    await sleep(interval);
    starts.push(performance.now());
    await work();
  }
  return summarize(starts, origin, everySlot(ticks));
}

async function accuracy(): Promise<void> {
  const works: Array<[string, Work]> = [
    ["idle fn", async () => undefined],
    ["3 ms fn", () => sleep(3)],
  ];
  const loops: Array<[string, (work: Work) => Promise<Lateness>]> = [
    ["Poller", measurePoller],
    ["setInterval", measureSetInterval],
    ["setTimeout after each tick", measureTimeoutChain],
  ];

  console.log(`### scheduling: ${ticks} ticks every ${interval} ms\n`);
  console.log("| fn | loop | mean late (ms) | worst (ms) | last (ms) " +
    "| missed slots | mean vs setInterval |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const [workName, work] of works) {
    const results = [];
    for (const [loopName, measure] of loops) {
      results.push({ loopName, ...(await measure(work)) });
    }

    const baseline = results[1]?.mean ?? 1;
    for (const { loopName, mean, worst, last, missed } of results) {
      console.log(`| ${workName} | ${loopName} | ${mean.toFixed(2)} | ` +
        `${worst.toFixed(2)} | ${last.toFixed(2)} | ${missed} | ` +
        `${(mean / baseline).toFixed(3)}x |`);
    }
  }
}

async function exitTime(mode: string, clients: number): Promise<number> {
  const app = await startApp({
    NO_POLLER: "1", ...(mode === "gracefulShutdown" ? {} : { SHUTDOWN: mode }),
  });

  // each client makes one request and keeps its connection open, idle
  const agents = Array.from({ length: clients }, () =>
    new http.Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(agents.map((agent) =>
    get(`http://127.0.0.1:${app.port}/`, agent)));

  const { ms } = await app.kill("SIGTERM");
  for (const agent of agents) agent.destroy();
  return ms;
}

async function shutdownTime(): Promise<void> {
  const clients = 50;
  const runs = 9;
  const modes = ["none", "naive", "gracefulShutdown"];
  const labels: Record<string, string> = {
    none: "no handler (default signal action)",
    naive: "server.close() then exit",
    gracefulShutdown: "gracefulShutdown",
  };

  console.log(`\n### SIGTERM to exit: idle app, ${clients} keep-alive ` +
    `clients, ${runs} runs each\n`);
  console.log("| shutdown | median (ms) | worst (ms) | vs no handler |");
  console.log("| --- | ---: | ---: | ---: |");
  // round-robin, so that a burst of load elsewhere hits every mode alike
  const times = new Map(modes.map((mode) => [mode, [] as number[]]));
  for (let run = 0; run < runs; run += 1) {
    for (const mode of modes) {
      times.get(mode)?.push(await exitTime(mode, clients));
    }
  }

  let floor = 0;
  for (const mode of modes) {
    const sorted = [...(times.get(mode) ?? [])].sort((a, b) => a - b);
    const median = sorted[Math.floor(runs / 2)] as number;
    if (mode === "none") floor = median;
    console.log(`| ${labels[mode]} | ${median.toFixed(1)} | ` +
      `${(sorted.at(-1) as number).toFixed(1)} | ` +
      `${(median / floor).toFixed(2)}x |`);
  }
}

async function main(): Promise<void> {
  await accuracy();
  await shutdownTime();
}

void main();
