import type { ReplayStore } from "../../../lib/index";

/**
 * The behaviour every {@link ReplayStore} must have, as a suite to run
 * against an implementation: `describeReplayStore("redis", () => store)`.
 * `create` is called once per test and must return an empty store.
 */
export function describeReplayStore(
  name: string,
  create: () => ReplayStore | Promise<ReplayStore>,
): void {
  describe(`${name} as a ReplayStore`, () => {
    let store: ReplayStore;
    let prefix = 0;
    // ids unique to each test, so that a shared store needs no flushing
    const id = (label: string) => `contract-${process.pid}-${prefix}-${label}`;

    beforeEach(async () => {
      prefix += 1;
      store = await create();
    });

    it("resolves a token for a free id and null for a claimed one", async () => {
      const first = await store.claim(id("a"));
      const second = await store.claim(id("a"));

      expect(typeof first).toBe("string");
      expect(second).toBeNull();
    });

    it("keeps ids apart", async () => {
      await store.claim(id("a"));

      expect(await store.claim(id("b"))).not.toBeNull();
    });

    it("frees an id released with its token", async () => {
      const token = await store.claim(id("a")) as string;

      await store.release(id("a"), token);

      expect(await store.claim(id("a"))).not.toBeNull();
    });

    it("keeps an id released with a token that is not its claim's", async () => {
      const token = await store.claim(id("a")) as string;

      await store.release(id("a"), `${token}-other`);

      expect(await store.claim(id("a"))).toBeNull();
    });

    it("resolves a release of an id never claimed", async () => {
      await expect(store.release(id("never"), "token")).resolves.toBeUndefined();
    });

    it("gives one token to exactly one of many concurrent claims", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.claim(id("race"))),
      );

      expect(results.filter((token) => token !== null)).toHaveLength(1);
    });
  });
}
