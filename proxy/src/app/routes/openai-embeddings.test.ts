/**
 * /v1/embeddings in front of a gated KServe v2 upstream (the embedded runtime behind a real HTTP server that holds
 * inference requests): what is refused without any inference reaching the upstream.
 */
import { describe, expect, it } from "vitest";
import { startProxy } from "../../node/server.js";
import { FIXTURE_ENV, FIXTURE_MODELS, postJson } from "@gpu-bridge/test-support/api.suite";
import { useGatedProxy } from "@gpu-bridge/test-support/gated-proxy";

const gated = useGatedProxy((TRITON_URL) => startProxy({ ...FIXTURE_ENV, TRITON_URL, PORT: "0" }));

describe("POST /v1/embeddings", () => {
  it("refuses dimensions the model's config does not declare before any inference (none reaches the upstream)", async () => {
    gated.upstream.close();
    const inferences = () => gated.upstream.accessLog.filter((line) => line.endsWith("/infer")).length;
    const before = inferences();
    // an inference would wait at the closed gate: the answer comes only if none was sent
    const res = await fetch(`${gated.proxy.url}/v1/embeddings`, postJson({ input: ["a", "b"], dimensions: 7 }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "validation_error", detail: `dimensions 7 is not supported: ${FIXTURE_MODELS.embed} has 32` });
    expect(inferences()).toBe(before);
    expect(gated.proxy.services.limiter.textsInFlight).toBe(0);
    gated.upstream.open();
  });
});
