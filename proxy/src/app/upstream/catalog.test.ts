import { describe, expect, it } from "vitest";
import { KServeClient } from "@gpu-bridge/kserve/client";
import { Cached, Catalog, catalogFromIndex, readyModelNames, type ServedModel } from "./catalog.js";

const model = (served: string, task: ServedModel["task"], publicName: string, hubId?: string): ServedModel => ({
  served,
  task,
  publicName,
  parameters: hubId ? { hub_id: hubId } : {},
  maxBatchSize: 64,
});

describe("Catalog.find", () => {
  const catalog = new Catalog([
    model("embed", "embed", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
    model("bertscore", "bertscore", "roberta-large", "FacebookAI/roberta-large"),
    model("bertscore-all-MiniLM-L6-v2", "bertscore", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
    model("bertscore-deberta", "bertscore", "microsoft/deberta-xlarge-mnli"),
  ]);

  it("matches public names, hub ids and their short forms per task, case-insensitively", () => {
    expect(catalog.find("embed", "sentence-transformers/all-MiniLM-L6-v2")?.served).toBe("embed");
    expect(catalog.find("embed", "all-MiniLM-L6-v2")?.served).toBe("embed");
    expect(catalog.find("bertscore", "ALL-minilm-l6-v2")?.served).toBe("bertscore-all-MiniLM-L6-v2");
    expect(catalog.find("bertscore", "FacebookAI/roberta-large")?.served).toBe("bertscore");
    expect(catalog.find("bertscore", "facebookai/ROBERTA-LARGE")?.served).toBe("bertscore");
    expect(catalog.find("bertscore", "microsoft/deberta-xlarge-mnli")?.served).toBe("bertscore-deberta");
    expect(catalog.find("bertscore", "deberta-xlarge-mnli")?.served).toBe("bertscore-deberta");
  });

  it("matches no other organisation, URL or path prefix", () => {
    for (const name of [
      "http://evil/all-MiniLM-L6-v2",
      "evil/all-MiniLM-L6-v2",
      "FacebookAI/all-MiniLM-L6-v2",
      "sentence-transformers/roberta-large",
      "/roberta-large",
      "a/b/roberta-large",
      " roberta-large",
      "roberta-large ",
    ]) {
      expect(catalog.find("embed", name), name).toBeUndefined();
      expect(catalog.find("bertscore", name), name).toBeUndefined();
    }
  });

  it("lets a public name win over another model's short form", () => {
    const shadowed = new Catalog([
      model("a", "embed", "org/e5-small"),
      model("b", "embed", "e5-small"),
    ]);
    expect(shadowed.find("embed", "e5-small")?.served).toBe("b");
    expect(shadowed.find("embed", "org/e5-small")?.served).toBe("a");
  });

  it("never matches served names, other tasks or path tricks", () => {
    expect(catalog.find("embed", "embed")).toBeUndefined();
    expect(catalog.find("embed", "roberta-large")).toBeUndefined();
    expect(catalog.find("embed", "all-MiniLM-L6-v2/../load")).toBeUndefined();
  });
});

describe("Catalog index", () => {
  it("keeps catalogue order per task and answers the first of equal public names", () => {
    const catalog = new Catalog([
      model("a-embed", "embed", "Same-Name"),
      model("b-bertscore", "bertscore", "same-name"),
      model("c-embed", "embed", "same-name"),
      model("d-embed", "embed", "other"),
    ]);
    expect(catalog.ofTask("embed").map((m) => m.served)).toEqual(["a-embed", "c-embed", "d-embed"]);
    expect(catalog.ofTask("device_info")).toEqual([]);
    expect(catalog.find("embed", "SAME-name")?.served).toBe("a-embed");
    expect(catalog.find("bertscore", "same-name")?.served).toBe("b-bertscore");
    expect(catalog.publicNames("embed")).toEqual(["Same-Name", "same-name", "other"]);
  });
});

describe("catalogFromIndex", () => {
  // What Triton's index can hold besides ready models: a model that failed to load, a folder it could not take for a
  // model (no state), and a model gone by the time its config is asked for.
  const index = [
    { name: "__pycache__" },
    { name: "embed", version: "1", state: "READY" },
    { name: "enc", version: "1", state: "READY" },
    { name: "bertscore", version: "1", state: "READY" },
    { name: "roberta", version: "1", state: "UNAVAILABLE", reason: "tokenizer.json is missing" },
    { name: "gone", version: "1", state: "READY" },
  ];
  const configs: Record<string, object> = {
    embed: { name: "embed", max_batch_size: 64, parameters: { task: { string_value: "embed" }, encoder_model: { string_value: "enc" } } },
    enc: { name: "enc", max_batch_size: 64 },
    bertscore: {
      name: "bertscore",
      max_batch_size: 128,
      parameters: { task: { string_value: "bertscore" }, encoder_model: { string_value: "roberta" } },
    },
  };
  const client = new KServeClient({
    baseUrl: "http://triton.invalid",
    timeoutMs: 1000,
    fetch: async (url) => {
      const name = /\/v2\/models\/([^/]+)\/config$/.exec(url)?.[1] ?? "";
      const config = configs[decodeURIComponent(name)];
      return config ? Response.json(config) : Response.json({ error: `Request for unknown model: '${name}' is not found` }, { status: 404 });
    },
  });

  it("serves a text model only when it and its encoder are ready, with its max_batch_size", async () => {
    const catalog = await catalogFromIndex(client, index);
    expect(catalog.models.map((m) => [m.served, m.task, m.maxBatchSize])).toEqual([["embed", "embed", 64]]);
    expect([...catalog.readyNames].sort()).toEqual(["bertscore", "embed", "enc", "gone"]);
    expect(catalog.servesText()).toBe(true);
  });

  it("skips and reports an entry whose config fails in any way (500, timeout, garbage, a dot-segment name)", async () => {
    const requested: string[] = [];
    const hostile = new KServeClient({
      baseUrl: "http://triton.invalid",
      timeoutMs: 200,
      fetch: async (url, init) => {
        requested.push(new URL(url).pathname);
        const name = decodeURIComponent(/\/v2\/models\/([^/]+)\/config$/.exec(url)?.[1] ?? "");
        if (name === "broken") return Response.json({ error: "internal" }, { status: 500 });
        if (name === "garbage") return new Response("{not json", { status: 200 });
        if (name === "hangs") {
          return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason as Error)));
        }
        const config = configs[name];
        return config ? Response.json(config) : Response.json({ error: "unknown" }, { status: 404 });
      },
    });
    const entries = ["embed", "enc", "broken", "garbage", "hangs", "..", ".", "", "a/b"].map((name) => ({ name, state: "READY" }));
    const skipped: string[] = [];
    const catalog = await catalogFromIndex(hostile, entries, {}, (model) => skipped.push(model.name));
    expect(catalog.models.map((m) => m.served)).toEqual(["embed"]);
    expect(skipped.sort()).toEqual(["", ".", "..", "a/b", "broken", "garbage", "hangs"].sort());
    // a dot segment never reaches a URL: `/v2/models/../config` would be `/v2/config`
    expect(requested.every((path) => /^\/v2\/models\/[^/]+\/config$/.test(path))).toBe(true);
    expect(requested).not.toContain("/v2/models/../config");
    expect(requested).toHaveLength(5);
  });

  it("fails when every config fails: the upstream is at fault, not its entries", async () => {
    const down = new KServeClient({
      baseUrl: "http://triton.invalid",
      timeoutMs: 200,
      fetch: async () => Response.json({ error: "internal" }, { status: 500 }),
    });
    await expect(catalogFromIndex(down, [{ name: "embed", state: "READY" }])).rejects.toThrow(/500/);
  });

  it("takes every listed model as ready from a server that reports no states", () => {
    expect([...readyModelNames([{ name: "a" }, { name: "b" }])]).toEqual(["a", "b"]);
    expect([...readyModelNames(index)]).not.toContain("__pycache__");
  });
});

describe("Cached", () => {
  it("loads once for concurrent callers, keeps the value for the TTL, reloads after", async () => {
    let now = 0;
    let loads = 0;
    const cached = new Cached(async () => ++loads, 100, () => now);
    expect(await Promise.all([cached.get(), cached.get()])).toEqual([1, 1]);
    now = 99;
    expect(await cached.get()).toBe(1);
    now = 100;
    expect(await cached.get()).toBe(2);
  });

  it("does not keep a failure", async () => {
    let fail = true;
    const cached = new Cached(async () => {
      if (fail) throw new Error("down");
      return "up";
    }, 1000);
    await expect(cached.get()).rejects.toThrow("down");
    fail = false;
    expect(await cached.get()).toBe("up");
  });
});
