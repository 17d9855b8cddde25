/**
 * A request naming a model the catalogue does not hold reloads the catalogue (a model exported since may be
 * served now); the requests for served models go on from the catalogue held meanwhile, never waiting behind it.
 */
import { describe, expect, it } from "vitest";
import { resolveModel } from "./models.js";
import { Cached, Catalog, type ServedModel } from "./upstream/catalog.js";

const served = (name: string): ServedModel => ({ served: name, task: "embed", publicName: name, parameters: {}, maxBatchSize: 0 });

/** A few turns of the event loop: what a catalogue already held takes to answer. */
const turns = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return "still waiting" as const;
};

describe("catalogue reload on an unknown model name", () => {
  it("serves the known models from the old catalogue while the reload runs, and finds the new model after it", async () => {
    let now = 0;
    let release: (() => void) | undefined;
    let loads = 0;
    const catalog = new Cached(async () => {
      loads += 1;
      if (loads === 1) return new Catalog([served("old-model")]);
      await new Promise<void>((resolve) => (release = resolve));
      return new Catalog([served("old-model"), served("new-model")]);
    }, 60_000, () => now);
    const upstream = { catalog };
    await catalog.get();
    now = 10_000; // past the miss-reload spacing, inside the TTL

    const miss = resolveModel(upstream, "embed", "new-model", "old-model");
    const known = resolveModel(upstream, "embed", "old-model", "old-model");
    const first = await Promise.race([known, turns()]);
    expect(first).not.toBe("still waiting");
    expect(first).toMatchObject({ name: "old-model" });
    expect(await Promise.race([resolveModel(upstream, "embed", undefined, "old-model"), turns()])).toMatchObject({ name: "old-model" });

    expect(release).toBeDefined();
    release?.();
    expect((await miss).model.served).toBe("new-model");
    expect(loads).toBe(2);
  });

  it("answers unknown_model from the old catalogue when the reload fails", async () => {
    let now = 0;
    let loads = 0;
    const catalog = new Cached(async () => {
      loads += 1;
      if (loads > 1) throw new Error("upstream down");
      return new Catalog([served("old-model")]);
    }, 60_000, () => now);
    await catalog.get();
    now = 10_000;
    await expect(resolveModel({ catalog }, "embed", "new-model", "old-model")).rejects.toMatchObject({ code: "unknown_model" });
    expect((await resolveModel({ catalog }, "embed", "old-model", "old-model")).name).toBe("old-model");
  });
});
