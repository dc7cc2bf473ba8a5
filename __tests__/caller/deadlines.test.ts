import { DeadlineQueue, DeadlineTarget } from "../../lib/caller/deadlines";

// time is the subject here: fake timers, advanced by hand

class Probe extends DeadlineTarget {
  expired = 0;
  expire(): void {
    this.expired += 1;
  }
}

describe("DeadlineQueue", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe("add()", () => {
    it("expires a target after the timeout, not before", async () => {
      const queue = new DeadlineQueue(1_000);
      const probe = new Probe();
      queue.add(probe);

      await jest.advanceTimersByTimeAsync(999);
      expect(probe.expired).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(probe.expired).toBe(1);
    });

    it("expires each target at its own deadline with one timer",
      async () => {
        const queue = new DeadlineQueue(1_000);
        const first = new Probe();
        const second = new Probe();
        queue.add(first);
        await jest.advanceTimersByTimeAsync(400);
        queue.add(second);
        expect(jest.getTimerCount()).toBe(1);

        await jest.advanceTimersByTimeAsync(600);
        expect([first.expired, second.expired]).toEqual([1, 0]);
        await jest.advanceTimersByTimeAsync(399);
        expect(second.expired).toBe(0);
        await jest.advanceTimersByTimeAsync(1);
        expect(second.expired).toBe(1);
      });

    it("restarts the deadline of a target added again", async () => {
      const queue = new DeadlineQueue(100);
      const probe = new Probe();
      queue.add(probe);
      await jest.advanceTimersByTimeAsync(80);
      queue.add(probe);
      await jest.advanceTimersByTimeAsync(80);
      expect(probe.expired).toBe(0);
      await jest.advanceTimersByTimeAsync(20);
      expect(probe.expired).toBe(1);
    });
  });

  describe("remove()", () => {
    it("cancels the deadline, head, middle or tail", async () => {
      const queue = new DeadlineQueue(100);
      const probes = [new Probe(), new Probe(), new Probe(), new Probe()];
      for (const probe of probes) queue.add(probe);
      queue.remove(probes[0]);
      queue.remove(probes[2]);
      queue.remove(probes[3]);
      queue.remove(probes[3]);

      await jest.advanceTimersByTimeAsync(200);
      expect(probes.map((probe) => probe.expired)).toEqual([0, 1, 0, 0]);
    });

    it("leaves the timer unref'd so it never holds the process open",
      () => {
        const queue = new DeadlineQueue(100);
        const probe = new Probe();
        const unref = jest.spyOn(global, "setTimeout");
        queue.add(probe);
        const timer = unref.mock.results[0].value as NodeJS.Timeout;
        expect(timer.hasRef()).toBe(false);
        unref.mockRestore();
      });
  });
});
