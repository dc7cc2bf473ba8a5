import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import path from "node:path";

// Runs a file of examples/ as its own process, the way its header comment
// tells a reader to (`npx tsx examples/<file>`), and keeps what it prints
// on both streams so that a test can wait for a line rather than sleep.

const root = path.join(__dirname, "..", "..");

export interface Example {
  child: ChildProcess;
  /** Everything printed so far, standard output and error together. */
  output(): string;
  /** Resolves once the output contains `text` or matches it. */
  printed(text: string | RegExp): Promise<void>;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<Example>();

export function runExample(
  file: string,
  env: Record<string, string> = {},
): Example {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("examples", file)],
    { cwd: root, env: { ...process.env, ...env }, stdio: "pipe" },
  );

  let output = "";
  const waiters = new Set<{ matches(): boolean; resolve(): void }>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const waiter of waiters) {
      if (!waiter.matches()) continue;
      waiters.delete(waiter);
      waiter.resolve();
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const example: Example = {
    child,
    output: () => output,
    printed: (text) => {
      const matches = () =>
        typeof text === "string" ? output.includes(text) : text.test(output);
      if (matches()) return Promise.resolve();
      return new Promise((resolve) => waiters.add({ matches, resolve }));
    },
    exited: once(child, "exit").then(([code]) => code as number | null),
  };
  running.add(example);
  void example.exited.then(() => running.delete(example));
  return example;
}

/** Kills every example still running: for an `afterEach`. */
export function killExamples(): void {
  for (const example of running) example.child.kill("SIGKILL");
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
