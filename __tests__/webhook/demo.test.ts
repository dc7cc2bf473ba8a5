import { execFile } from "node:child_process";
import path from "node:path";

const root = path.join(__dirname, "..", "..");

describe("examples/demo.ts", () => {
  it("answers the valid, forged and replayed deliveries 200, 401, 409", async () => {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", path.join("examples", "demo.ts")],
        { cwd: root, encoding: "utf8", timeout: 15_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });

    expect(output).toMatch(/valid delivery\s*: 200 ok/);
    expect(output).toMatch(/forged delivery\s*: 401 invalid signature/);
    expect(output).toMatch(/replayed delivery\s*: 409 delivery already processed/);
    expect(output).toContain("payment of 4200 recorded");
  });
});
