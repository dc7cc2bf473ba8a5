import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";

// The public surface as the compiler sees it: every name lib/index.ts
// exports, followed through its re-export to the declaration it names.
const root = path.join(__dirname, "..", "..");
const entry = path.join(root, "lib", "index.ts");

function loadProgram(): { checker: ts.TypeChecker; symbols: ts.Symbol[] } {
  const configPath = path.join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([entry], parsed.options);
  const checker = program.getTypeChecker();

  const source = program.getSourceFile(entry);
  const barrel = source && checker.getSymbolAtLocation(source);
  if (barrel === undefined) throw new Error(`cannot load ${entry}`);
  return { checker, symbols: checker.getExportsOfModule(barrel) };
}

function resolve(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  const isAlias = (symbol.flags & ts.SymbolFlags.Alias) !== 0;
  return isAlias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** A declaration's own `/** ... *\/` blocks (TSDoc), tags included. */
function hasDocComment(declaration: ts.Declaration): boolean {
  // a `const x = ...` carries its comment on the statement around it
  const node = ts.isVariableDeclaration(declaration)
    ? declaration.parent.parent
    : declaration;
  return ts.getJSDocCommentsAndTags(node).length > 0;
}

function hasDefaultTag(declaration: ts.Declaration): boolean {
  return ts.getJSDocTags(declaration)
    .some((tag) => tag.tagName.text === "default");
}

function location(declaration: ts.Declaration): string {
  const file = declaration.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(declaration.getStart());
  return `${path.relative(root, file.fileName)}:${line + 1}`;
}

const { checker, symbols } = loadProgram();
const exported = symbols.map((symbol) => ({
  name: symbol.name,
  target: resolve(checker, symbol),
}));

describe("lib/index.ts", () => {
  it("exports the names the barrel lists", () => {
    const names = exported.map(({ name }) => name);

    expect(names).toEqual(expect.arrayContaining(
      ["webhook", "Caller", "Poller", "gracefulShutdown", "WebhookOptions"],
    ));
  });

  describe("every exported name", () => {
    it.each(exported.map(({ name, target }) => [name, target] as const))(
      "has a TSDoc comment: %s", (name, target) => {
        const declarations = target.declarations ?? [];
        const undocumented = declarations
          .filter((declaration) => !hasDocComment(declaration))
          .map(location);

        expect(declarations.length).toBeGreaterThan(0);
        expect([name, undocumented]).toEqual([name, []]);
      });
  });

  describe("every options interface", () => {
    const options = exported.filter(({ name }) => name.endsWith("Options"));

    it("is found", () => {
      expect(options.map(({ name }) => name)).toEqual(expect.arrayContaining(
        ["WebhookOptions", "CallerOptions", "PollerOptions",
          "GracefulShutdownOptions", "MemoryReplayStoreOptions"],
      ));
    });

    it.each(options.map(({ name, target }) => [name, target] as const))(
      "has an @default on each optional property: %s", (name, target) => {
        const type = checker.getDeclaredTypeOfSymbol(target);
        const missing: string[] = [];

        // inherited properties included: the reader sees them all
        for (const property of checker.getPropertiesOfType(type)) {
          const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
          const declarations = property.declarations ?? [];
          if (!declarations.every(hasDocComment)) {
            missing.push(`${property.name} (no TSDoc)`);
          } else if (optional && !declarations.some(hasDefaultTag)) {
            missing.push(`${property.name} (no @default)`);
          }
        }

        expect([name, missing]).toEqual([name, []]);
      });
  });
});

describe("npm run docs", () => {
  // TypeDoc is configured to treat warnings as errors: an export that
  // refers to a type the barrel does not export fails the run
  it("builds the API docs without a warning", async () => {
    const typedoc = path.join(root, "node_modules", "typedoc", "bin",
      "typedoc");
    const run = promisify(execFile);

    const { stdout, stderr } = await run(process.execPath,
      [typedoc, "--emit", "none"], { cwd: root });

    expect(`${stdout}${stderr}`).not.toMatch(/warning|error\]/);
  }, 120_000);
});
