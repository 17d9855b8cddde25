/**
 * /health and failover ask per model (the repository index), not the server's ready check, which Triton fails while
 * any model is unavailable (--strict-readiness, its default). The upstream here is the embedded runtime in process, its
 * ready check answering false as such a Triton does and its index marking chosen models UNAVAILABLE; test/triton shows the
 * same against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inference } from "@gpu-bridge/kserve/inference";
import { createNodeApp, type NodeApp } from "../../node/server.js";
import { createRuntimeFetch, InProcessInference, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { passingInference } from "@gpu-bridge/test-support/passing-inference";

let runtime: RuntimeHandle;
let app: NodeApp;
const unavailable = new Set<string>();

/** The runtime with the ready check of a Triton that has an unavailable model, and the chosen models unavailable. */
function upstream(): Inference {
  const inner = new InProcessInference(runtime.repository, { timeoutMs: 10_000 });
  return passingInference(inner, {
    ready: async () => false,
    repositoryIndex: async () =>
      (await inner.repositoryIndex()).map((entry) =>
        unavailable.has(entry.name) ? { name: entry.name, version: "1", state: "UNAVAILABLE", reason: "test" } : entry,
      ),
  });
}

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, log: () => {} });
  app = await createNodeApp(
    { ...FIXTURE_ENV, TRITON_URL: "http://triton.invalid", MODEL_CACHE_TTL_MS: "600000", HEALTH_PROBE_CACHE_MS: "0" },
    { wrapInference: upstream },
  );
});

afterAll(async () => {
  await app?.close();
  await runtime?.close();
});

const get = async (route: string) => {
  const res = await app.fetch(new Request(`http://localhost${route}`));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("per-model readiness", () => {
  it("is ok while the server's own ready check fails, and serves", async () => {
    expect(await get("/health")).toEqual({ status: 200, body: { status: "ok", device: "cpu" } });
    const res = await app.fetch(new Request("http://localhost/embed", postJson({ texts: ["ready"] })));
    expect(res.status).toBe(200);
  });

  it("drops the text models of an unavailable encoder from what it serves, at the next /health", async () => {
    const loaded = async () => [...((await get("/info")).body.loaded_models as string[])].sort();
    expect(await loaded()).toEqual(["bertscore:tiny-bert", "bertscore:tiny-roberta", "embed:tiny-bert"]);
    unavailable.add("tiny-bert");
    expect((await get("/health")).status).toBe(200);
    expect(await loaded()).toEqual(["bertscore:tiny-roberta"]);
    const res = await app.fetch(new Request("http://localhost/embed", postJson({ texts: ["no encoder"] })));
    expect(res.status).toBe(503);
  });

  it("is down when no text model is ready, and up again when one is", async () => {
    unavailable.add("tiny-roberta");
    expect(await get("/health")).toEqual({ status: 503, body: { status: "error", device: "cpu" } });
    unavailable.clear();
    expect((await get("/health")).status).toBe(200);
    expect((await get("/info")).body.loaded_models).toHaveLength(3);
  });
});
