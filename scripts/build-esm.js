"use strict";
// Writes the ES module entry beside the CommonJS build. The ESM entry
// re-exports the CommonJS one instead of being a second build, so that a
// process that loads both (an ESM app with a CommonJS dependency) shares one
// copy of every class and `instanceof` keeps working across them.
const fs = require("node:fs");
const path = require("node:path");

const dist = path.join(__dirname, "..", "dist");
const names = Object.keys(require(path.join(dist, "index.js")))
  .filter((name) => name !== "__esModule")
  .sort();

const lines = [
  'import cjs from "./index.js";',
  "",
  ...names.map((name) => `export const ${name} = cjs.${name};`),
  "",
];
fs.writeFileSync(path.join(dist, "index.mjs"), lines.join("\n"));
fs.writeFileSync(
  path.join(dist, "index.d.mts"),
  'export * from "./index.js";\n',
);
