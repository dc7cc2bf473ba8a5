import { maxTimerDelay } from "../long-timeout";

// Node timers run on a millisecond clock while performance.now() has
// fractions, so a timer may fire a fraction early; that counts as on time
const timerResolution = 1;

/**
 * Resolves when `performance.now()` reaches `time`, or as soon as `signal`
 * aborts. Never rejects.
 *
 * It always passes through the event loop's macrotask queue, even when
 * `time` has already come: a tick that overran its interval (or an
 * interval under a millisecond) would otherwise chain the next tick on
 * microtasks alone, and a synchronous `fn` would starve the process of
 * I/O, timers and the signal handlers that stop it.
 */
export async function waitUntil(
  time: number,
  signal: AbortSignal,
): Promise<void> {
  let remaining = time - performance.now();
  if (remaining < timerResolution) {
    await yieldToEventLoop();
    return;
  }

  while (remaining >= timerResolution && !signal.aborted) {
    await delay(Math.min(remaining, maxTimerDelay), signal);
    remaining = time - performance.now();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
