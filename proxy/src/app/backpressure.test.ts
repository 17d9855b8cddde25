/**
 * GPU_MAX_CONCURRENT slots over real HTTP: a proxy in front of a gated KServe v2 upstream (the embedded runtime
 * behind a real HTTP server that can hold inference requests). Each way a call can end must free its slot.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startProxy } from "../node/server.js";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { useGatedProxy } from "@gpu-bridge/test-support/gated-proxy";
import { metricValue, waitFor } from "@gpu-bridge/test-support/wait";

const TIMEOUT_MS = 1500;

const gated = useGatedProxy((TRITON_URL) =>
  startProxy({
    ...FIXTURE_ENV,
    TRITON_URL,
    GPU_MAX_CONCURRENT: "1",
    GPU_QUEUE_TIMEOUT_MS: "0",
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    PORT: "0",
  }),
);

afterEach(() => gated.upstream.open());

const embed = (init: Partial<RequestInit> = {}) => fetch(`${gated.proxy.url}/embed`, { ...postJson({ texts: ["slot"] }), ...init });

async function slotsInUse(): Promise<number | undefined> {
  return metricValue(await (await fetch(`${gated.proxy.url}/metrics`)).text(), "gpu_bridge_upstream_in_flight");
}

/** With one slot and no queue, a 200 proves the slot is free. */
async function expectSlotFree(): Promise<void> {
  expect(await slotsInUse()).toBe(0);
  expect((await embed()).status).toBe(200);
}

describe("backpressure", () => {
  it("answers 503 with Retry-After: 5 while every slot is taken, and frees the slot on success", async () => {
    expect((await embed()).status).toBe(200); // catalogue cached
    gated.upstream.close();
    const first = embed();
    await waitFor(() => gated.upstream.held === 1, 5000, "the first call to reach the gate");
    expect(await slotsInUse()).toBe(1);
    const second = await embed();
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("5");
    expect(await second.json()).toMatchObject({ code: "busy", detail: "GPU busy — retry later" });
    gated.upstream.open();
    expect((await first).status).toBe(200);
    await expectSlotFree();
  });

  it("frees the slot after an upstream refusal", async () => {
    const res = await fetch(
      `${gated.proxy.url}/bertscore`,
      postJson({ candidates: ["a"], references: ["b"], model_type: "tiny-bert", rescale_with_baseline: true }),
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe("no_rescale_baseline");
    await expectSlotFree();
  });

  it("answers 504 when the upstream never answers, within the deadline, and frees the slot", async () => {
    gated.upstream.close();
    const started = Date.now();
    const res = await embed();
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe("upstream_timeout");
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 3000); // it does not hang
    await waitFor(() => gated.upstream.abandoned >= 1, 5000, "the upstream to see the call dropped");
    gated.upstream.open();
    await expectSlotFree();
  });

  it("frees the slot and drops the upstream call when the client disconnects", async () => {
    gated.upstream.close();
    const abandonedBefore = gated.upstream.abandoned;
    const client = new AbortController();
    const pending = embed({ signal: client.signal }).catch((err: unknown) => err);
    await waitFor(() => gated.upstream.held === 1, 5000, "the call to reach the gate");
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    await waitFor(async () => (await slotsInUse()) === 0, 5000, "the slot to be released");
    await waitFor(() => gated.upstream.abandoned === abandonedBefore + 1, 5000, "the upstream call to be dropped");
    gated.upstream.open();
    await expectSlotFree();
  });

  it("lets a request wait GPU_QUEUE_TIMEOUT_MS for a slot before refusing it", async () => {
    const queued = await startProxy({
      ...FIXTURE_ENV,
      TRITON_URL: gated.upstream.url,
      GPU_MAX_CONCURRENT: "1",
      GPU_QUEUE_TIMEOUT_MS: "10000",
      PORT: "0",
    });
    try {
      const post = () => fetch(`${queued.url}/embed`, postJson({ texts: ["queued"] }));
      expect((await post()).status).toBe(200);
      gated.upstream.close();
      const first = post();
      await waitFor(() => gated.upstream.held === 1, 5000, "the first call to reach the gate");
      const second = post();
      await waitFor(() => queued.services.limiter.queued === 1, 5000, "the second call to queue");
      gated.upstream.open();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(queued.services.limiter.inFlight).toBe(0);
    } finally {
      await queued.close();
    }
  });
});
