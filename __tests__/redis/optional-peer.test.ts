import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

// ioredis is an optional peer dependency: the package must load, and its
// Redis parts must work with any structural client, where ioredis is not
// installed. These tests run the built package (dist/) in a child process
// in which resolving "ioredis" fails as it would without it.
const root = path.join(__dirname, "..", "..");
const dist = path.join(root, "dist");

const withoutIoredis = `
  const Module = require("node:module");
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === "ioredis" || request.startsWith("ioredis/")) {
      const err = new Error("Cannot find module 'ioredis'");
      err.code = "MODULE_NOT_FOUND";
      throw err;
    }
    return resolve.call(this, request, ...rest);
  };
`;

function runWithoutIoredis(script: string): string {
  return execFileSync(process.execPath, ["-e", withoutIoredis + script], {
    cwd: root,
    encoding: "utf8",
  });
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .map((name) => path.join(folder, name));
}

describe("ioredis as an optional peer dependency", () => {
  it("is declared as an optional peer, beside express", () => {
    const manifest = JSON.parse(
      readFileSync(path.join(root, "package.json"), "utf8"),
    );

    expect(manifest.peerDependencies).toMatchObject({
      ioredis: ">=5",
      express: "^4.17.0 || ^5.0.0",
    });
    expect(manifest.peerDependenciesMeta.ioredis).toEqual({ optional: true });
    expect(manifest.dependencies).not.toHaveProperty("ioredis");
  });

  it("loads the package where ioredis cannot be resolved", () => {
    const output = runWithoutIoredis(`
      let found = true;
      try { require.resolve("ioredis"); } catch { found = false; }
      const kit = require("integration-kit");
      console.log(JSON.stringify({
        found,
        store: typeof kit.redisReplayStore,
        lock: typeof kit.redisLock,
      }));
    `);

    expect(JSON.parse(output)).toEqual({
      found: false,
      store: "function",
      lock: "function",
    });
  });

  it("claims through any client with set() and eval()", () => {
    const output = runWithoutIoredis(`
      const { redisReplayStore } = require("integration-kit");
      const keys = new Map();
      const client = {
        set: async (key, value) =>
          keys.has(key) ? null : (keys.set(key, value), "OK"),
        eval: async () => 0,
      };
      const store = redisReplayStore(client, { prefix: "p:" });
      Promise.all([store.claim("a"), store.claim("a")]).then((tokens) => {
        console.log(JSON.stringify(tokens.map((t) => t !== null)));
      });
    `);

    expect(JSON.parse(output)).toEqual([true, false]);
  });

  it("publishes JavaScript and types that never import ioredis", () => {
    const imports = /(from\s+|require\(|import\()\s*["']ioredis/;
    // doc comments may show how to import it; code lines must not
    const importsIoredis = (file: string) =>
      readFileSync(file, "utf8").split("\n")
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .some((line) => imports.test(line));

    const offenders = filesUnder(dist)
      .filter((file) => /\.(js|mjs|d\.ts|d\.mts)$/.test(file))
      .filter(importsIoredis);

    expect(filesUnder(dist).length).toBeGreaterThan(0);
    expect(offenders).toEqual([]);
  });
});
