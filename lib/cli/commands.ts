import { readFile } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { presets, type WebhookPresetName } from "../webhook/presets";
import { signWebhook } from "../webhook/sign";
import {
  UsageError,
  type SendArgs,
  type SignArgs,
  type SigningArgs,
} from "./args";

/** The streams and environment a command runs with. */
export interface CommandIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** A failure that is not a usage mistake: printed with exit code 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

async function readBody(file: string, io: CommandIO): Promise<Buffer> {
  if (file !== "-") {
    try {
      return await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      throw new CommandError(`cannot read ${file}: ${code}`);
    }
  }

  if (io.stdin.isTTY) {
    throw new UsageError("no body: name a file or pipe one on standard input");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function signedHeaders(args: SigningArgs, body: Buffer): Record<string, string> {
  const preset = args.preset as WebhookPresetName | undefined;
  if (preset !== undefined && !Object.hasOwn(presets, preset)) {
    throw new UsageError(
      `unknown preset ${preset}: use one of ${Object.keys(presets).join(", ")}`,
    );
  }

  // refused rather than ignored: these schemes name the event in the body
  if (args.event !== undefined && preset !== undefined &&
    presets[preset].eventField !== undefined) {
    throw new UsageError(
      `--event does not apply to ${preset}: its event name is in the body`,
    );
  }

  let headers: Record<string, string>;
  try {
    headers = signWebhook(
      { secret: args.secret, algorithm: args.algorithm, preset },
      body,
      {
        timestamp: args.timestamp === undefined ? undefined
          : args.timestamp * 1000,
        id: args.id,
        event: args.event,
      },
    );
  } catch (error) {
    // the receiver's own option checks: a malformed whsec_ secret and the like
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  return { "content-type": contentTypeOf(body), ...headers };
}

function contentTypeOf(body: Buffer): string {
  const first = body.find((byte) => byte > 0x20);
  const json = first === 0x7b || first === 0x5b; // '{' or '['
  return json ? "application/json" : "application/x-www-form-urlencoded";
}

/** Quotes `text` for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `integration-kit sign`: prints the signed headers. */
export async function runSign(args: SignArgs, io: CommandIO): Promise<number> {
  const body = await readBody(args.file, io);
  const headers = signedHeaders(args, body);

  if (args.json) {
    io.stdout.write(`${JSON.stringify(headers, null, 2)}\n`);
  } else if (args.curl !== undefined) {
    const parts = ["curl", "-sS", "-X", "POST", shellQuote(args.curl)];
    for (const [name, value] of Object.entries(headers)) {
      parts.push("-H", shellQuote(`${name}: ${value}`));
    }
    // the exact bytes matter for the signature: read them from the file
    // rather than pasting them into the command line
    const source = args.file === "-" ? "@-" : `@${args.file}`;
    parts.push("--data-binary", shellQuote(source));
    io.stdout.write(`${parts.join(" ")}\n`);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      io.stdout.write(`${name}: ${value}\n`);
    }
  }
  return 0;
}

/** `integration-kit send`: posts the signed body and prints the answer. */
export async function runSend(args: SendArgs, io: CommandIO): Promise<number> {
  const body = await readBody(args.file, io);
  const headers = { ...signedHeaders(args, body), ...args.headers };

  let response: Response;
  try {
    response = await fetch(args.url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(args.timeout),
    });
  } catch (error) {
    throw new CommandError(
      `cannot reach ${args.url.origin}: ${describeFetchError(error)}`,
    );
  }

  io.stdout.write(`HTTP ${response.status} ${response.statusText}\n`);
  response.headers.forEach((value, name) => {
    io.stdout.write(`${name}: ${value}\n`);
  });
  const text = await response.text();
  io.stdout.write(`\n${text}${text.endsWith("\n") || !text ? "" : "\n"}`);
  return response.ok ? 0 : 1;
}

function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError") return "timed out";
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
