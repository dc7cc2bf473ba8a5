import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// What `npm publish` would ship, checked from the tarball itself: its file
// list, then an install into a scratch project that loads it the way a
// consumer does, from CommonJS and from an ES module.
const root = path.join(__dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe("the packed tarball", () => {
  let scratch: string;
  let packed: PackResult;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "integration-kit-pack-"));
    // dist/ is already built by the pretest step; packing must not rebuild
    const output = execFileSync(
      npm,
      ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch],
      { cwd: root, encoding: "utf8" },
    );
    packed = (JSON.parse(output) as PackResult[])[0];
  }, 60_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("holds dist/, its types, README, LICENSE and package.json only", () => {
    const files = packed.files.map((file) => file.path);
    const outside = files.filter(
      (file) =>
        !file.startsWith("dist/") &&
        !["README.md", "LICENSE", "package.json"].includes(file),
    );

    expect(outside).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.mjs",
        "dist/index.d.ts",
        "dist/index.d.mts",
        "README.md",
        "LICENSE",
      ]),
    );
    expect(files.some((file) => file.endsWith(".test.js"))).toBe(false);
  });

  it("installs into a project and loads from CommonJS and ESM", () => {
    writeFileSync(
      path.join(scratch, "package.json"),
      JSON.stringify({ name: "scratch", version: "1.0.0", private: true }),
    );
    execFileSync(
      npm,
      [
        "install", "--no-audit", "--no-fund", "--prefer-offline",
        "--ignore-scripts", path.join(scratch, packed.filename),
      ],
      { cwd: scratch, encoding: "utf8" },
    );

    // one real use of each part, not only that names exist
    const script = [
      "const headers = kit.signWebhook({ secret: 's' }, '{}', { event: 'e' });",
      "console.log(typeof kit.webhook({ secret: 's' }, { e: () => {} }),",
      "  new kit.Caller({ baseURL: 'http://127.0.0.1:1' }).axios !== undefined,",
      "  new kit.Poller({ name: 'p', interval: 1, fn: () => {} }).status.state,",
      "  Object.keys(headers).sort().join(','));",
    ].join(" ");
    const cjs = execFileSync(
      process.execPath,
      ["-e", `const kit = require("integration-kit"); ${script}`],
      { cwd: scratch, encoding: "utf8" },
    );
    const esm = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import * as kit from "integration-kit"; ${script}`,
      ],
      { cwd: scratch, encoding: "utf8" },
    );

    expect(cjs.trim()).toBe(
      "function true idle x-event-type,x-hub-signature-256,x-webhook-id",
    );
    expect(esm.trim()).toBe(cjs.trim());
  }, 120_000);
});
