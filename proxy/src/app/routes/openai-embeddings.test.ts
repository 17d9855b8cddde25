/**
 * /v1/embeddings in front of a gated KServe v2 upstream (the embedded runtime behind a real HTTP server that holds
 * inference requests): what is refused without any inference reaching the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, FIXTURE_MODELS, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";

let runtime: RuntimeHandle;
let upstream: GatedUpstream;
let proxy: RunningProxy;

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  upstream = await startGatedUpstream(runtime.fetch);
  proxy = await startProxy({ ...FIXTURE_ENV, TRITON_URL: upstream.url, PORT: "0" });
});

afterAll(async () => {
  upstream?.open();
  await proxy?.close();
  await upstream?.stop();
  await runtime?.close();
});

describe("POST /v1/embeddings", () => {
  it("refuses dimensions the model's config does not declare before any inference (none reaches the upstream)", async () => {
    upstream.close();
    const inferences = () => upstream.accessLog.filter((line) => line.endsWith("/infer")).length;
    const before = inferences();
    // an inference would wait at the closed gate: the answer comes only if none was sent
    const res = await fetch(`${proxy.url}/v1/embeddings`, postJson({ input: ["a", "b"], dimensions: 7 }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "validation_error", detail: `dimensions 7 is not supported: ${FIXTURE_MODELS.embed} has 32` });
    expect(inferences()).toBe(before);
    expect(proxy.services.limiter.textsInFlight).toBe(0);
    upstream.open();
  });
});
