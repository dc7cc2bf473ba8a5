import { runExample, type Example } from "../helpers/example";

// `npm start` as a newcomer runs it: the whole demo in a child process,
// read line by line, then stopped with Ctrl-C (SIGINT).

describe("the demo (npm start)", () => {
  let demo: Example;
  let exitCode: number | null;

  beforeAll(async () => {
    demo = runExample("demo.ts", { PORT: "0" });
    await demo.printed("press Ctrl-C");
    // a failed tick and the one after it: the schedule goes on
    await demo.printed(/poller tick failed[^]*settlements checked/);
    demo.child.kill("SIGINT");
    exitCode = await demo.exited;
  }, 30_000);

  afterAll(() => {
    demo.child.kill("SIGKILL");
  });

  it("accepts the valid delivery after the Caller retried the upstream", () => {
    const output = demo.output();
    expect(output).toMatch(/a valid delivery\n[^]*-> 200 \{"invoice_id":"inv_/);
    expect(output).toMatch(/caller retrying request method=POST .*503/);
    expect(output).toContain("handler: invoice created");
  });

  it("refuses the forged delivery with 401 and the replay with 409", () => {
    const output = demo.output();
    expect(output).toMatch(/a forged delivery\n[^]*-> 401 /);
    expect(output).toMatch(/the first delivery again\n[^]*-> 409 /);
    // one delivery handled: neither refused one reached the handler
    expect(output.match(/handler: invoice created/g)).toHaveLength(1);
  });

  it("runs the poller, whose failed tick is logged without stopping it", () => {
    const output = demo.output();
    expect(output).toMatch(/poller tick failed[^\n]*name=settlements/);
    const afterFailure = output.slice(output.indexOf("poller tick failed"));
    expect(afterFailure).toContain("settlements checked");
  });

  it("shuts down on Ctrl-C, saying what it waited for, and exits 0", () => {
    expect(exitCode).toBe(0);
    expect(demo.output()).toMatch(/shutdown begun[^\n]*task: settlements/);
    expect(demo.output()).toMatch(/shutdown complete code=0/);
  });

  it("prints no signature value in its logs", () => {
    expect(demo.output()).not.toMatch(/sha256=[0-9a-f]{16}/);
  });
});
