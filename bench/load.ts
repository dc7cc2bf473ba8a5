// A closed-loop load generator for the benchmarks: `connections` keep-alive
// connections each send the next request as soon as the previous answer
// has been read, for `durationMs`. The server under test runs in another
// process, so that the generator and the server do not share one event
// loop.
import { Pool } from "undici";

export interface LoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  connections: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  /** Answers other than 200: a benchmark of refusals measures nothing. */
  failures: number;
}

export async function generateLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.connections });
  const deadline = performance.now() + options.durationMs;
  let requests = 0;
  let failures = 0;

  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const response = await pool.request({
        method: "POST",
        path: options.path,
        headers: options.headers,
        body: options.body,
      });
      await response.body.dump();
      requests += 1;
      if (response.statusCode !== 200) failures += 1;
    }
  }

  const started = performance.now();
  const workers = Array.from({ length: options.connections }, worker);
  await Promise.all(workers);
  const elapsed = performance.now() - started;
  await pool.close();

  return { requests, perSecond: (requests / elapsed) * 1000, failures };
}

/** The median of `values`, which must not be empty. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}
