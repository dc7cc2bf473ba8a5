import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

const fixture = path.join(__dirname, "..", "fixtures", "shutdown-app.ts");

/** A JSON line the fixture app wrote on stdout. */
export interface AppEvent {
  event: string;
  [field: string]: unknown;
}

export interface ChildApp {
  child: ChildProcess;
  events: AppEvent[];
  /** Resolves the first event (past or future) that `match` accepts. */
  waitFor(match: (event: AppEvent) => boolean): Promise<AppEvent>;
  /** Sends `signal` and resolves when the process exits. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  exited: Promise<number | null>;
}

/** Starts the fixture app with `env`; resolves once it listens. */
export async function startApp(
  env: Record<string, string>,
): Promise<ChildApp & { port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const events: AppEvent[] = [];
  const waiters: Array<() => void> = [];

  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    events.push(JSON.parse(line) as AppEvent);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });

  const waitFor = async (match: (event: AppEvent) => boolean) => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      const more = new Promise<void>((wake) => waiters.push(wake));
      const code = await Promise.race([more.then(() => undefined), exited]);
      if (code !== undefined) {
        const seen = events.find(match);
        if (seen) return seen;
        throw new Error(`the app exited (${code}) before the awaited event`);
      }
    }
  };

  const kill = async (signal: NodeJS.Signals) => {
    const sentAt = performance.now();
    child.kill(signal);
    const code = await exited;
    return { code, ms: performance.now() - sentAt };
  };

  const { port } = await waitFor((e) => e.event === "listening");
  return { child, events, waitFor, kill, exited, port: port as number };
}

/** Matches an event by name and, optionally, some of its fields. */
export function is(
  event: string,
  fields: Record<string, unknown> = {},
): (candidate: AppEvent) => boolean {
  return (candidate) => candidate.event === event &&
    Object.entries(fields).every(([key, value]) => candidate[key] === value);
}
