import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how the command was called: printed with exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface SigningArgs {
  preset: string | undefined;
  secret: string;
  algorithm: "sha256" | "sha512";
  event: string | undefined;
  id: string | undefined;
  /** Unix seconds, or undefined for now. */
  timestamp: number | undefined;
  /** A path, or "-" for standard input. */
  file: string;
}

export interface SignArgs extends SigningArgs {
  json: boolean;
  curl: string | undefined;
}

export interface SendArgs extends SigningArgs {
  url: URL;
  headers: Record<string, string>;
  timeout: number;
}

const SIGNING_OPTIONS = {
  preset: { type: "string", short: "p" },
  secret: { type: "string", short: "s" },
  algorithm: { type: "string", short: "a" },
  event: { type: "string", short: "e" },
  id: { type: "string", short: "i" },
  timestamp: { type: "string", short: "t" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(
  argv: string[],
  extra: ParseArgsConfig["options"],
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...SIGNING_OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    // parseArgs' own messages name the option and what was wrong with it
    throw new UsageError((error as Error).message);
  }
}

/** True when `--help` was given; checked before anything is validated. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

function readSigning(
  values: Values,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): SigningArgs {
  const secret = (values.secret as string | undefined) ?? env.WEBHOOK_SECRET;
  if (!secret) {
    throw new UsageError(
      "no signing secret: set WEBHOOK_SECRET or pass --secret",
    );
  }

  const algorithm = (values.algorithm as string | undefined) ?? "sha256";
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw new UsageError("--algorithm must be sha256 or sha512");
  }

  let timestamp: number | undefined;
  if (values.timestamp !== undefined) {
    timestamp = Number(values.timestamp);
    if (!Number.isInteger(timestamp) || timestamp < 0) {
      throw new UsageError("--timestamp must be whole Unix seconds");
    }
  }

  return {
    preset: values.preset as string | undefined,
    secret,
    algorithm,
    event: values.event as string | undefined,
    id: values.id as string | undefined,
    timestamp,
    file: file ?? "-",
  };
}

/** Reads the arguments of `integration-kit sign`. */
export function parseSignArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): SignArgs {
  const { values, positionals } = parse(argv, {
    json: { type: "boolean" },
    curl: { type: "string" },
  });
  if (positionals.length > 1) {
    throw new UsageError("sign takes at most one file");
  }

  const curl = values.curl as string | undefined;
  if (curl !== undefined) parseUrl(curl);
  return {
    ...readSigning(values, positionals[0], env),
    json: values.json === true,
    curl,
  };
}

/** Reads the arguments of `integration-kit send`. */
export function parseSendArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): SendArgs {
  const { values, positionals } = parse(argv, {
    header: { type: "string", short: "H", multiple: true },
    timeout: { type: "string" },
  });
  if (positionals.length === 0) throw new UsageError("send needs a URL");
  if (positionals.length > 2) {
    throw new UsageError("send takes a URL and at most one file");
  }

  const headers: Record<string, string> = {};
  for (const line of (values.header as string[] | undefined) ?? []) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new UsageError(`--header must look like 'Name: value'`);
    }
    headers[line.slice(0, colon).trim().toLowerCase()] =
      line.slice(colon + 1).trim();
  }

  const timeout = Number(values.timeout ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new UsageError("--timeout must be a number of milliseconds above 0");
  }

  return {
    ...readSigning(values, positionals[1], env),
    url: parseUrl(positionals[0]),
    headers,
    timeout,
  };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`not an http(s) URL: ${text}`);
  }
  return url;
}
