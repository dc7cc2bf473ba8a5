// setTimeout takes at most a signed 32-bit delay (about 24.8 days); a
// longer one fires after 1 ms with a TimeoutOverflowWarning, which would
// turn a generous timeout into an instant one
export const maxTimerDelay = 2 ** 31 - 1;

/**
 * Calls `run` once after `ms` milliseconds, of any length: a delay beyond
 * the timer limit is made of several timers in a row, and `Infinity`
 * arms none. Returns the function that cancels it.
 */
export function setLongTimeout(run: () => void, ms: number): () => void {
  if (!Number.isFinite(ms)) return () => undefined;

  let timer: NodeJS.Timeout;
  const arm = (remaining: number): void => {
    const chunk = Math.min(remaining, maxTimerDelay);
    timer = setTimeout(() => {
      if (remaining > chunk) arm(remaining - chunk);
      else run();
    }, chunk);
  };

  arm(ms);
  return () => clearTimeout(timer);
}
