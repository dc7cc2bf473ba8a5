import { spawn } from "node:child_process";
import path from "node:path";

// `npm start` as a newcomer runs it: the whole demo in a child process,
// read line by line, then stopped with Ctrl-C (SIGINT).
const root = path.join(__dirname, "..", "..");

interface Demo {
  output(): string;
  /** Resolves once the output matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function startDemo(): Demo {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("examples", "demo.ts")],
    { cwd: root, env: { ...process.env, PORT: "0" }, stdio: "pipe" },
  );
  let output = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const waiter of waiters.filter((w) => w.pattern.test(output))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);

  return {
    output: () => output,
    waitFor: (pattern) =>
      pattern.test(output)
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ pattern, resolve })),
    exited: new Promise((resolve) => child.once("exit", resolve)),
    kill: (signal) => child.kill(signal),
  };
}

describe("the demo (npm start)", () => {
  let demo: Demo;
  let exitCode: number | null;

  beforeAll(async () => {
    demo = startDemo();
    await demo.waitFor(/press Ctrl-C/);
    // a failed tick and the one after it: the schedule goes on
    await demo.waitFor(/poller tick failed[^]*settlements checked/);
    demo.kill("SIGINT");
    exitCode = await demo.exited;
  }, 30_000);

  afterAll(() => {
    demo.kill("SIGKILL");
  });

  it("accepts the valid delivery after the Caller retried the upstream", () => {
    const output = demo.output();
    expect(output).toMatch(/a valid delivery\n[^]*-> 200 \{"invoice_id":"inv_/);
    expect(output).toMatch(/caller retrying request method=POST .*503/);
    expect(output).toContain("handler: invoice created");
  });

  it("refuses the forged delivery with 401 and the replay with 409", () => {
    const output = demo.output();
    expect(output).toMatch(/a forged delivery\n[^]*-> 401 /);
    expect(output).toMatch(/the first delivery again\n[^]*-> 409 /);
    // one delivery handled: neither refused one reached the handler
    expect(output.match(/handler: invoice created/g)).toHaveLength(1);
  });

  it("runs the poller, whose failed tick is logged without stopping it", () => {
    const output = demo.output();
    expect(output).toMatch(/poller tick failed[^\n]*name=settlements/);
    const afterFailure = output.slice(output.indexOf("poller tick failed"));
    expect(afterFailure).toContain("settlements checked");
  });

  it("shuts down on Ctrl-C, saying what it waited for, and exits 0", () => {
    expect(exitCode).toBe(0);
    expect(demo.output()).toMatch(/shutdown begun[^\n]*task: settlements/);
    expect(demo.output()).toMatch(/shutdown complete code=0/);
  });

  it("prints no signature value in its logs", () => {
    expect(demo.output()).not.toMatch(/sha256=[0-9a-f]{16}/);
  });
});
