import { readFileSync } from "node:fs";

/**
 * The `@default` of every option documented in `file` (relative to the
 * repository root), read from the TSDoc above each option: `@default 2_000`
 * gives 2000, `@default "a:"` gives "a:", and any text after the value (a
 * note in parentheses) is ignored.
 */
export function documentedDefaults(file: string): Record<string, unknown> {
  const source = readFileSync(`${__dirname}/../../${file}`, "utf8");
  const found: Record<string, unknown> = {};
  const pattern = /@default (\S+)[^\n]*\n\s*\*\/\s*\n\s*(\w+)\?:/g;
  for (const [, value, name] of source.matchAll(pattern)) {
    found[name] = parseValue(value);
  }
  return found;
}

function parseValue(text: string): unknown {
  const numeric = text.replace(/_/g, "");
  if (/^-?\d+(\.\d+)?$/.test(numeric)) return Number(numeric);
  if (text.startsWith('"')) return JSON.parse(text);
  return text;
}
