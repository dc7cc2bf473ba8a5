import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import {
  callerDefaults,
  defaultLogger,
  memoryReplayStoreDefaults,
  pollerDefaults,
  redisLockDefaults,
  redisReplayStoreDefaults,
  shutdownDefaults,
  webhookDefaults,
} from "../../lib/index";

// The README is read as its reader sees it: `##` parts, `###` topics within
// them, and tables whose header names an `option` and a `default` column.
const root = path.join(__dirname, "..", "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

/** The lines under `heading` up to the next heading of its level or above. */
function section(lines: readonly string[], heading: string): string[] {
  const level = heading.indexOf(" ");
  const all = headings(lines);
  const start = all.findIndex(([, text]) => text === heading);
  if (start === -1) return [];

  const from = all[start]![0] + 1;
  const next = all.slice(start + 1)
    .find(([, text]) => text.indexOf(" ") <= level);
  return lines.slice(from, next === undefined ? lines.length : next[0]);
}

/** `[line index, heading]` of each heading outside code blocks. */
function headings(lines: readonly string[]): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  let inCode = false;
  lines.forEach((line, index) => {
    if (line.startsWith("```")) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(line)) found.push([index, line]);
  });
  return found;
}

function cells(row: string): string[] {
  return row.replace(/^\|/, "").replace(/\|$/, "").split(" | ")
    .map((cell) => cell.trim());
}

/**
 * The default column of the first option table in `lines`, by option
 * name, backticks removed and a trailing remark in parentheses dropped:
 * `` `4_194_304` (4 MiB) `` reads `4_194_304`.
 */
function optionTable(lines: readonly string[]): Map<string, string> {
  const header = lines.findIndex((line) => {
    const names = line.startsWith("|") ? cells(line) : [];
    return names[0] === "option" && names.includes("default");
  });
  const table = new Map<string, string>();
  if (header === -1) return table;

  const column = cells(lines[header]!).indexOf("default");
  for (const row of lines.slice(header + 2)) {
    if (!row.startsWith("|")) break;
    const values = cells(row).map((cell) => cell.replace(/`/g, ""));
    table.set(values[0]!, values[column]!.replace(/ \(.*\)$/, ""));
  }
  return table;
}

// functions and objects are shown by the name a reader would write
const named = new Map<unknown, string>([
  [defaultLogger, "defaultLogger"],
  [Date.now, "Date.now"],
  [shutdownDefaults.exit, "process.exit"],
  [callerDefaults.backoff, "equalJitterBackoff()"],
]);

/** How a default value is written in the README: `10_000`, `"hex"`. */
function shown(value: unknown): string {
  if (named.has(value)) return named.get(value)!;
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value).replace(/\B(?=(\d{3})+$)/g, "_");
  }
  if (typeof value === "object" && value !== null) {
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

const lines = readme.split("\n");
const parts = [
  ["## Webhook receiver", "### Options", webhookDefaults],
  ["## Webhook receiver", "### Replay store options",
    memoryReplayStoreDefaults],
  ["## Caller", "### Options", callerDefaults],
  ["## Poller and graceful shutdown", "### The Poller", pollerDefaults],
  ["## Poller and graceful shutdown", "### Graceful shutdown",
    shutdownDefaults],
  ["## Running on many replicas", "### Redis replay store options",
    redisReplayStoreDefaults],
  ["## Running on many replicas", "### Redis lock options",
    redisLockDefaults],
] as const;

describe("README.md", () => {
  describe("option tables", () => {
    it.each(parts)("%s, %s: one row per default, showing its value",
      (part, topic, defaults) => {
        const table = optionTable(section(section(lines, part), topic));
        const expected = Object.entries(defaults)
          .map(([name, value]) => [name, shown(value)]);
        const documented = expected.map(([name]) => [name, table.get(name!)]);

        expect(table.size).toBeGreaterThan(0);
        expect(documented).toEqual(expected);
      });

    it("finds a table only under its own part", () => {
      const caller = section(lines, "## Caller");

      // the Caller's timeout is not the shutdown's, though both are 10_000
      expect(optionTable(section(caller, "### Graceful shutdown")).size)
        .toBe(0);
      expect(optionTable(section(caller, "### Options")).get("maxRetry"))
        .toBe(shown(callerDefaults.maxRetry));
    });
  });

  describe("links within the page", () => {
    // GitHub's anchors: lowercase, punctuation dropped, spaces as hyphens,
    // and a repeated heading numbered from -1
    function anchors(): Set<string> {
      const seen = new Map<string, number>();
      const found = new Set<string>();
      for (const [, heading] of headings(lines)) {
        const slug = heading.replace(/^#+ /, "").toLowerCase()
          .replace(/[^\w\- ]/g, "").replace(/ /g, "-");
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        found.add(count === 0 ? slug : `${slug}-${count}`);
      }
      return found;
    }

    it("each lead to a heading", () => {
      const targets = [...readme.matchAll(/\]\(#([^)]+)\)/g)]
        .map(([, anchor]) => anchor!);
      const known = anchors();

      expect(targets.length).toBeGreaterThan(0);
      expect(targets.filter((anchor) => !known.has(anchor))).toEqual([]);
    });
  });

  describe("the two commands", () => {
    const block = section(lines, "## Two commands");
    const commands = block
      .filter((line) => line.startsWith("npm "))
      .map((line) => line.replace(/\s+#.*$/, ""));
    const pkg = JSON.parse(
      readFileSync(path.join(root, "package.json"), "utf8"),
    ) as { scripts: Record<string, string> };

    it("are npm ci followed by npm start, then by npm test", () => {
      expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);
    });

    it("include the test command CI runs", () => {
      const ci = readFileSync(path.join(root, ".ci", "run"), "utf8")
        .split("\n").map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));

      expect(ci.at(-1)).toBe(commands[1]);
    });

    it("name scripts of package.json, and a lockfile for npm ci", () => {
      expect(pkg.scripts.test).toBe("jest");
      expect(pkg.scripts.start).toMatch(/^tsx examples\/\S+\.ts$/);

      const demo = pkg.scripts.start!.replace(/^tsx /, "");
      expect(existsSync(path.join(root, demo))).toBe(true);
      expect(existsSync(path.join(root, "package-lock.json"))).toBe(true);
    });
  });
});
