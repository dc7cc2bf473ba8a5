import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

/** A fixture running in its own `node` process, and what it printed. */
export interface FixtureProcess {
  child: ChildProcess;
  /** Every line the process wrote to standard output, in order. */
  lines: string[];
  /**
   * Resolves the first line (already printed or still to come) for which
   * `match` is true, among the lines from index `after` on; rejects if the
   * process exits or `timeout` ms pass first.
   */
  waitForLine(
    match: (line: string) => boolean,
    options?: { after?: number; timeout?: number },
  ): Promise<string>;
  /** Resolves the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<FixtureProcess>();

/**
 * Starts `__tests__/fixtures/<name>.ts` with `node --import tsx`, as a
 * user's process would run, with `env` added to this process' environment.
 * Standard error is passed through, so a fixture's crash shows in the test
 * output.
 */
export function startFixture(
  name: string,
  env: Record<string, string>,
): FixtureProcess {
  const file = path.join(__dirname, "..", "fixtures", `${name}.ts`);
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });

  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });

  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) => {
    child.once("exit", (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });

  const fixture: FixtureProcess = {
    child,
    lines,
    exited,
    waitForLine: (match, { after = 0, timeout = 15_000 } = {}) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = lines.slice(after).find(match);
          if (found !== undefined) finish(() => resolve(found));
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`${name} exited before the line`)));
          }
        };
        const timer = setTimeout(() => {
          finish(() => {
            reject(new Error(`${name}: no such line in ${timeout} ms`));
          });
        }, timeout);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
  };
  running.add(fixture);
  void exited.then(() => running.delete(fixture));
  return fixture;
}

/** Kills every fixture still running and waits until each has exited. */
export async function stopFixtures(): Promise<void> {
  const left = [...running];
  for (const fixture of left) fixture.child.kill("SIGKILL");
  await Promise.all(left.map((fixture) => fixture.exited));
}
