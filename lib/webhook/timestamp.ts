// The timestamp rule: a signed time of sending, compared with the receiver's
// clock so that a captured delivery cannot be replayed later.

const unixSeconds = /^\d{1,12}$/;

// RFC 3339 `date-time`: full date, `T` (or a space, which the RFC allows),
// time with optional fraction, then `Z` or a numeric offset
const rfc3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Reads a timestamp header as Unix seconds or RFC 3339, in milliseconds
 * since the epoch. Returns `undefined` for anything else, including a
 * calendar date that does not exist.
 */
export function parseTimestamp(raw: string): number | undefined {
  if (unixSeconds.test(raw)) return Number(raw) * 1000;
  if (!rfc3339.test(raw)) return undefined;

  // Date.parse rolls 30 February over into March: check the day first
  const year = Number(raw.slice(0, 4));
  const month = Number(raw.slice(5, 7));
  const day = Number(raw.slice(8, 10));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    return undefined;
  }

  const time = Date.parse(raw);
  return Number.isNaN(time) ? undefined : time;
}

/** Whether `time` lies within `tolerance` ms of `now`, in either direction. */
export function isWithinTolerance(
  time: number,
  now: number,
  tolerance: number,
): boolean {
  return Math.abs(now - time) <= tolerance;
}

/** `time` (ms since the epoch) as the Unix seconds providers send. */
export function toUnixSeconds(time: number): string {
  return String(Math.floor(time / 1000));
}
