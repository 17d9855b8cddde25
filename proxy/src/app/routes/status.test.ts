/**
 * GET /status while requests hold and wait for slots: a proxy with one slot in front of a gated KServe v2 upstream
 * (the embedded runtime behind a real HTTP server that holds inference requests).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusResponseSchema } from "@gpu-bridge/contract/schemas";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, FIXTURE_MODELS, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";
import { waitFor } from "@gpu-bridge/test-support/wait";
import { MAX_REQUEST_ID_LENGTH } from "../app.js";

const KEY = { "x-api-key": "status-key" };

let runtime: RuntimeHandle;
let upstream: GatedUpstream;
let proxy: RunningProxy;

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  upstream = await startGatedUpstream(runtime.fetch);
  proxy = await startProxy({
    ...FIXTURE_ENV,
    TRITON_URL: upstream.url,
    API_KEY: KEY["x-api-key"],
    GPU_MAX_CONCURRENT: "1",
    GPU_QUEUE_TIMEOUT_MS: "20000",
    PORT: "0",
  });
});

afterAll(async () => {
  upstream?.open();
  await proxy?.close();
  await upstream?.stop();
  await runtime?.close();
});

async function status() {
  const res = await fetch(`${proxy.url}/status`, { headers: KEY });
  expect(res.status).toBe(200);
  return StatusResponseSchema.parse(await res.json());
}

describe("GET /status", () => {
  it("needs the API key, like /info", async () => {
    const res = await fetch(`${proxy.url}/status`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
  });

  it("lists the request holding the slot and counts the one waiting, then neither once they are answered", async () => {
    expect((await fetch(`${proxy.url}/embed`, postJson({ texts: ["warm"] }, KEY))).status).toBe(200);
    upstream.close();
    const before = Date.now();
    const holding = fetch(
      `${proxy.url}/embed`,
      postJson({ texts: ["a", "b", "c"], model: FIXTURE_MODELS.embedHubId }, { ...KEY, "x-request-id": "job-holding" }),
    );
    await waitFor(() => upstream.held === 1, 5000, "the first call to reach the gate");
    const waiting = fetch(
      `${proxy.url}/bertscore`,
      postJson({ candidates: ["a", "b"], references: ["c", "d"] }, { ...KEY, "x-request-id": "job-waiting" }),
    );
    await waitFor(async () => (await status()).queue.waiting_estimate === 1, 5000, "the second call to queue");

    const busy = await status();
    expect(busy.queue).toEqual({ max_concurrent: 1, in_flight: 1, available_slots: 0, waiting_estimate: 1 });
    expect(busy.active_jobs).toHaveLength(1);
    const [job] = busy.active_jobs;
    expect(job).toMatchObject({ id: "job-holding", type: "embed", items: 3, model: FIXTURE_MODELS.embedHubId, progress: 0 });
    const started = Date.parse(job?.started_at ?? "");
    expect(started).toBeGreaterThanOrEqual(before - 1000);
    expect(started).toBeLessThanOrEqual(Date.now());
    expect(job?.started_at).toBe(new Date(started).toISOString());

    upstream.open();
    const [first, second] = await Promise.all([holding, waiting]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as { model: string }).model).toBe(FIXTURE_MODELS.bertscore);
    expect(await status()).toEqual({
      queue: { max_concurrent: 1, in_flight: 0, available_slots: 1, waiting_estimate: 0 },
      active_jobs: [],
    });
  });

  it("shows a client's X-Request-Id only when it is at most 64 characters (else the one generated for it)", async () => {
    upstream.close();
    const long = "r".repeat(MAX_REQUEST_ID_LENGTH + 1);
    const holding = fetch(`${proxy.url}/embed`, postJson({ texts: ["a"] }, { ...KEY, "x-request-id": long }));
    await waitFor(() => upstream.held === 1, 5000, "the call to reach the gate");
    const [job] = (await status()).active_jobs;
    expect(job?.id).toMatch(/^[0-9a-f-]{36}$/);
    upstream.open();
    const res = await holding;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(job?.id);
    const exact = "s".repeat(MAX_REQUEST_ID_LENGTH);
    expect((await fetch(`${proxy.url}/embed`, postJson({ texts: ["a"] }, { ...KEY, "x-request-id": exact }))).headers.get("x-request-id")).toBe(exact);
  });
});

