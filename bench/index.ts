// Runs every benchmark in this folder (`*.bench.ts`), one child process
// each, so that one benchmark's heap and open sockets cannot skew the next.
// Each prints its own table of results against a baseline measured in the
// same process; `npm run bench -- caller` runs only the names that match.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const filters = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n\n`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--expose-gc", path.join(__dirname, file)],
    { stdio: "inherit" },
  );
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
