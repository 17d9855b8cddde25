/**
 * GET /status while requests hold and wait for slots: a proxy with one slot in front of a gated KServe v2 upstream
 * (the embedded runtime behind a real HTTP server that holds inference requests).
 */
import { describe, expect, it } from "vitest";
import { StatusResponseSchema } from "@gpu-bridge/contract/schemas";
import { startProxy } from "../../node/server.js";
import { FIXTURE_ENV, FIXTURE_MODELS, postJson } from "@gpu-bridge/test-support/api.suite";
import { useGatedProxy } from "@gpu-bridge/test-support/gated-proxy";
import { waitFor } from "@gpu-bridge/test-support/wait";
import { MAX_REQUEST_ID_LENGTH } from "../app.js";

const KEY = { "x-api-key": "status-key" };

const gated = useGatedProxy((TRITON_URL) =>
  startProxy({
    ...FIXTURE_ENV,
    TRITON_URL,
    API_KEY: KEY["x-api-key"],
    GPU_MAX_CONCURRENT: "1",
    GPU_QUEUE_TIMEOUT_MS: "20000",
    PORT: "0",
  }),
);

async function status() {
  const res = await fetch(`${gated.proxy.url}/status`, { headers: KEY });
  expect(res.status).toBe(200);
  return StatusResponseSchema.parse(await res.json());
}

describe("GET /status", () => {
  it("needs the API key, like /info", async () => {
    const res = await fetch(`${gated.proxy.url}/status`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
  });

  it("lists the request holding the slot and counts the one waiting, then neither once they are answered", async () => {
    expect((await fetch(`${gated.proxy.url}/embed`, postJson({ texts: ["warm"] }, KEY))).status).toBe(200);
    gated.upstream.close();
    const before = Date.now();
    const holding = fetch(
      `${gated.proxy.url}/embed`,
      postJson({ texts: ["a", "b", "c"], model: FIXTURE_MODELS.embedHubId }, { ...KEY, "x-request-id": "job-holding" }),
    );
    await waitFor(() => gated.upstream.held === 1, 5000, "the first call to reach the gate");
    const waiting = fetch(
      `${gated.proxy.url}/bertscore`,
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

    gated.upstream.open();
    const [first, second] = await Promise.all([holding, waiting]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as { model: string }).model).toBe(FIXTURE_MODELS.bertscore);
    expect(await status()).toEqual({
      queue: { max_concurrent: 1, in_flight: 0, available_slots: 1, waiting_estimate: 0 },
      active_jobs: [],
    });
  });

  it("shows a client's X-Request-Id only when it is at most 64 characters (else the one generated for it)", async () => {
    gated.upstream.close();
    const long = "r".repeat(MAX_REQUEST_ID_LENGTH + 1);
    const holding = fetch(`${gated.proxy.url}/embed`, postJson({ texts: ["a"] }, { ...KEY, "x-request-id": long }));
    await waitFor(() => gated.upstream.held === 1, 5000, "the call to reach the gate");
    const [job] = (await status()).active_jobs;
    expect(job?.id).toMatch(/^[0-9a-f-]{36}$/);
    gated.upstream.open();
    const res = await holding;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(job?.id);
    const exact = "s".repeat(MAX_REQUEST_ID_LENGTH);
    expect((await fetch(`${gated.proxy.url}/embed`, postJson({ texts: ["a"] }, { ...KEY, "x-request-id": exact }))).headers.get("x-request-id")).toBe(exact);
  });
});

