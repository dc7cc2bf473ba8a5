#!/usr/bin/env node
// The `integration-kit` command: signs webhook bodies for hand testing.
import { parseSendArgs, parseSignArgs, UsageError, wantsHelp } from "./args";
import { CommandError, runSend, runSign, type CommandIO } from "./commands";
import { MAIN_USAGE, SEND_USAGE, SIGN_USAGE } from "./usage";

/**
 * Runs the command line `argv` (without node and the script) and resolves
 * the exit code: 0 on success, 1 when the work failed (an unreadable file,
 * an unreachable URL, a non-2xx answer), 2 for a usage mistake.
 */
export async function run(argv: string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const usage = command === "sign" ? SIGN_USAGE
    : command === "send" ? SEND_USAGE
    : MAIN_USAGE;

  if (command === undefined || wantsHelp(argv)) {
    io.stdout.write(usage);
    return 0;
  }

  try {
    if (command === "sign") return await runSign(parseSignArgs(rest, io.env), io);
    if (command === "send") return await runSend(parseSendArgs(rest, io.env), io);
    throw new UsageError(`unknown command ${command}`);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = command === "sign" || command === "send"
        ? `integration-kit ${command} --help`
        : "integration-kit --help";
      io.stderr.write(
        `integration-kit: ${error.message}\nRun '${help}' for usage.\n`,
      );
      return 2;
    }
    if (error instanceof CommandError) {
      io.stderr.write(`integration-kit ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  // a reader that stops early (`| head -1`) closes the pipe: that is the
  // reader's choice, not a failure worth a stack trace
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(process.exitCode ?? 0);
  });
  const io: CommandIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  };
  run(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`integration-kit: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
