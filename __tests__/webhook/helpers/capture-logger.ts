import type { Logger } from "../../../lib/index";

/** One line written to a {@link CaptureLogger}. */
export interface LogLine {
  level: "error" | "warn" | "info" | "debug";
  obj: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line, to assert on what was logged. */
export interface CaptureLogger extends Logger {
  lines: LogLine[];
  /** Every line serialised (errors with message, stack and cause). */
  text(): string;
}

function serialise(value: unknown, depth = 0): unknown {
  if (depth > 5) return "[deep]";
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      ...(value as unknown as Record<string, unknown>),
      cause: serialise(value.cause, depth + 1),
    };
  }
  if (Buffer.isBuffer(value)) return value.toString("latin1");
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(
      ([key, item]) => [key, serialise(item, depth + 1)],
    ));
  }
  return value;
}

export function captureLogger(): CaptureLogger {
  const lines: LogLine[] = [];
  const write = (level: LogLine["level"]) =>
    (obj: object, msg: string) => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };

  return {
    lines,
    error: write("error"),
    warn: write("warn"),
    info: write("info"),
    debug: write("debug"),
    text: () => lines
      .map((line) => JSON.stringify({ ...line, obj: serialise(line.obj) }))
      .join("\n"),
  };
}
