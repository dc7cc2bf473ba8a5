import { isAxiosError } from "axios";

// The two boundaries a Caller keeps: where a request may go (under baseURL,
// redirects within its origin) and how much of a response it will hold.

/** The base URL as axios gets it: no trailing slash, so joins are exact. */
export function baseHref(base: URL): string {
  return base.href.replace(/\/+$/, "");
}

// A path of these characters alone has no dot segment, escape, query or
// fragment, and resolves to itself: it needs no URL parsing.
const PLAIN_PATH = /^[A-Za-z0-9\-_~/!$&'()*+,;=:@]*$/;

/**
 * Resolves paths under `base` as axios will (`allowAbsoluteUrls: false`
 * joins even an absolute URL under the base), for the URL that names a
 * call: without query or fragment.
 */
export class CallURLResolver {
  private readonly base: URL;
  /** The base without credentials: a URL that names a call is logged. */
  private readonly nameBase: string;
  private readonly basePath: string;

  constructor(base: URL) {
    this.base = base;
    this.basePath = base.pathname === "/" ? "" : base.pathname;
    this.nameBase = `${base.origin}${this.basePath}`;
  }

  /**
   * The URL of a call to `path`. Throws a TypeError for a path whose dot
   * segments climb out of the base path: such a path would still carry
   * the static headers, to an endpoint they were not meant for.
   */
  resolve(path: string): string {
    if (typeof path !== "string") {
      throw new TypeError("caller: path must be a string");
    }

    const joined = path === "" ? this.nameBase :
      `${this.nameBase}/${path.replace(/^\/+/, "")}`;
    if (PLAIN_PATH.test(path)) return joined;

    let resolved: URL;
    try {
      resolved = new URL(joined);
    } catch {
      throw new TypeError("caller: path does not form a valid URL");
    }

    const isUnderBase = resolved.origin === this.base.origin &&
      (resolved.pathname === this.basePath ||
        resolved.pathname.startsWith(`${this.basePath}/`));
    if (!isUnderBase) {
      throw new TypeError(
        `caller: path ${resolved.pathname} resolves outside baseURL`);
    }
    return `${resolved.origin}${resolved.pathname}`;
  }
}

/**
 * Thrown from `beforeRedirect` to refuse a redirect before its request is
 * made. follow-redirects wraps it (`ERR_FR_REDIRECTION_FAILURE`, this as
 * `cause`) and axios wraps that again; `findRefusedRedirect` digs it out.
 */
export class RefusedRedirect extends Error {
  readonly location: string;

  constructor(location: string) {
    super(`redirect to ${location} refused`);
    this.location = location;
  }
}

interface RedirectOptions {
  href?: string;
  protocol?: string;
  host?: string;
}

/**
 * A `beforeRedirect` hook that lets a redirect through only within
 * `origin` (scheme, host and port), where the headers may follow it.
 */
export function createRedirectGuard(
  origin: string,
): (options: RedirectOptions) => void {
  return (options) => {
    const target = redirectTarget(options);
    if (target === undefined || target.origin !== origin) {
      const location = target === undefined ? "an unparseable URL" :
        `${target.origin}${target.pathname}`;
      throw new RefusedRedirect(location);
    }
  };
}

function redirectTarget(options: RedirectOptions): URL | undefined {
  const href = options.href ?? `${options.protocol}//${options.host}`;
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/** The refused redirect somewhere in `error`'s cause chain, if any. */
export function findRefusedRedirect(
  error: unknown,
): RefusedRedirect | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof RefusedRedirect) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Whether axios cut a response at `maxContentLength`, for instances on
 * another adapter than http (the Caller counts bytes itself on http).
 * axios reports it with `ERR_BAD_RESPONSE`, the code it also uses for a
 * 5xx and for a body cut mid-stream (both retriable), so only the message
 * sets it apart.
 * note: a test pins this message; if axios rewords it, that test fails
 * rather than the limit being retried silently.
 */
export function isOverSizeError(error: unknown): boolean {
  return isAxiosError(error) && error.code === "ERR_BAD_RESPONSE" &&
    error.message.startsWith("maxContentLength size of");
}
