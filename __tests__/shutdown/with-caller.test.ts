import { Caller, gracefulShutdown, Poller, silentLogger } from "../../lib";
import type { GracefulShutdown, PollerTickResult } from "../../lib";
import { startServer, type TestServer } from "../helpers/server";
import { recordingLogger } from "../poller/support";

// Apps run a Poller whose ticks call an upstream through a Caller, under
// gracefulShutdown. When shutdown cuts a call short, the tick ends with
// some abort error: that is the shutdown working, never a failed tick.
let upstream: TestServer;
let hits = 0;

beforeEach(async () => {
  hits = 0;
  // an upstream that never answers: every call is in flight at shutdown
  upstream = await startServer(() => {
    hits += 1;
  });
});

afterEach(async () => {
  await upstream.close();
});

type Tick = (signal: AbortSignal, shutdown: GracefulShutdown) => unknown;

async function shutDownDuringCall(fn: Tick, startWithSignal: boolean) {
  const exit = jest.fn<void, [number]>();
  const shutdown = gracefulShutdown(null, {
    signals: [], exit, logger: silentLogger,
  });
  const { logger, lines } = recordingLogger();
  const results: PollerTickResult[] = [];
  const poller = new Poller({
    name: "sync",
    interval: 60_000,
    runOnStart: true,
    logger,
    onTick: (result) => results.push(result),
    fn: (signal) => fn(signal, shutdown),
  });
  shutdown.waitFor(poller);
  void poller.start(startWithSignal ? shutdown.signal : undefined);
  while (hits === 0) await new Promise((resolve) => setTimeout(resolve, 10));

  const code = await shutdown.begin();
  return { code, lines, results, status: poller.status };
}

const viaTickSignal: Tick = (signal) =>
  new Caller({ baseURL: upstream.url, logger: silentLogger })
    .get("/sync", {}, { signal });

const viaShutdownSignal: Tick = (_signal, shutdown) =>
  new Caller({ baseURL: upstream.url, logger: silentLogger })
    .get("/sync", {}, { signal: shutdown.signal });

const withOwnAbortError: Tick = async (signal) => {
  try {
    await viaTickSignal(signal, undefined as never);
  } catch {
    throw new DOMException("the sync was cut short", "AbortError");
  }
};

describe("Poller with a Caller under gracefulShutdown()", () => {
  describe.each([
    ["started with shutdown.signal", true],
    ["stopped by waitFor() alone", false],
  ])("%s", (_label, startWithSignal) => {
    it.each([
      ["the call uses the tick's signal", viaTickSignal],
      ["the call uses shutdown.signal", viaShutdownSignal],
      ["fn rejects with an AbortError of its own", withOwnAbortError],
    ])("does not count the aborted tick as failed when %s",
      async (_case, fn) => {
        const { code, lines, results, status } =
          await shutDownDuringCall(fn, startWithSignal);

        expect(code).toBe(0);
        expect(results).toEqual([
          { name: "sync", outcome: "aborted", duration: expect.any(Number) },
        ]);
        expect(status).toMatchObject({ failures: 0, state: "stopped" });
        expect(lines.filter((l) => l.level !== "debug")).toEqual([]);
      });
  });
});
