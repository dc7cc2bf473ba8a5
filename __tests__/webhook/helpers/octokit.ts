import { execFile } from "node:child_process";
import path from "node:path";

// @octokit/webhooks-methods is published as ES modules only, which jest's
// CommonJS runtime cannot load: it runs here in a child node process, fed
// its input on stdin and answering JSON on stdout.
const root = path.join(__dirname, "..", "..", "..");

const script = `
import { sign, verify } from "@octokit/webhooks-methods";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, payload, signature } = JSON.parse(input);
const result = signature === undefined
  ? await sign(secret, payload)
  : await verify(secret, payload, signature);
process.stdout.write(JSON.stringify(result));
`;

function run(input: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { cwd: root, encoding: "utf8" },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout) as unknown);
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

/** octokit's `sign(secret, payload)`: `sha256=<hex>`. */
export async function octokitSign(
  secret: string,
  payload: string,
): Promise<string> {
  return (await run({ secret, payload })) as string;
}

/** octokit's `verify(secret, payload, signature)`. */
export async function octokitVerify(
  secret: string,
  payload: string,
  signature: string,
): Promise<boolean> {
  return (await run({ secret, payload, signature })) as boolean;
}
