import { execFileSync } from "node:child_process";
import path from "node:path";

// The package is loaded by its own name (Node resolves a package's own
// `exports` from inside it), from the build in dist/, as a consumer would.
const root = path.join(__dirname, "..");

function exportedNames(args: string[]): string[] {
  const output = execFileSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
  });
  return JSON.parse(output) as string[];
}

describe("package entry points", () => {
  const cjs = exportedNames([
    "-e",
    'console.log(JSON.stringify(Object.keys(require("integration-kit"))' +
      '.filter((k) => k !== "__esModule").sort()))',
  ]);

  it("loads with require() and exposes the public API", () => {
    expect(cjs).toEqual(
      expect.arrayContaining(["IntegrationKitError", "defaultLogger"]),
    );
  });

  it("loads with import and exposes the same names as require()", () => {
    const esm = exportedNames([
      "--input-type=module",
      "-e",
      'import * as kit from "integration-kit";' +
        "console.log(JSON.stringify(Object.keys(kit).sort()))",
    ]);
    expect(esm).toEqual(cjs);
  });

  it("shares one class between both entry points", () => {
    const same = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'import { createRequire } from "node:module";' +
          'import { IntegrationKitError } from "integration-kit";' +
          "const require = createRequire(import.meta.url);" +
          'const cjs = require("integration-kit");' +
          "console.log(cjs.IntegrationKitError === IntegrationKitError)",
      ],
      { cwd: root, encoding: "utf8" },
    );
    expect(same.trim()).toBe("true");
  });
});
