/**
 * Admission by texts in flight over real HTTP: a proxy in front of a gated KServe v2 upstream (the embedded runtime
 * behind a real HTTP server that holds inference calls), so what reached the upstream at once is counted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StatusResponseSchema } from "@gpu-bridge/contract/schemas";
import { startProxy, type RunningProxy } from "../node/server.js";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";
import { waitFor } from "@gpu-bridge/test-support/wait";
import type { LogSink } from "./types.js";

const QUEUE_TIMEOUT_MS = 300;

let runtime: RuntimeHandle;
let upstream: GatedUpstream;
const proxies: RunningProxy[] = [];

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  upstream = await startGatedUpstream(runtime.fetch);
});

afterEach(() => upstream.open());

afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await upstream?.stop();
  await runtime?.close();
});

async function proxyWith(env: Record<string, string>, log: LogSink = () => {}): Promise<RunningProxy> {
  const proxy = await startProxy({ ...FIXTURE_ENV, TRITON_URL: upstream.url, PORT: "0", ...env }, { log });
  proxies.push(proxy);
  return proxy;
}

const embed = (proxy: RunningProxy, texts: string[], init: RequestInit = {}) => fetch(`${proxy.url}/embed`, { ...postJson({ texts }), ...init });
const words = (n: number) => Array.from({ length: n }, (_, i) => `text ${i}`);

async function queue(proxy: RunningProxy) {
  return StatusResponseSchema.parse(await (await fetch(`${proxy.url}/status`)).json()).queue;
}

describe("admission by texts in flight", () => {
  it("lets 32 one-text clients reach the upstream at once at default settings, so a batcher can fill", async () => {
    const proxy = await proxyWith({});
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const calls = Array.from({ length: 32 }, () => embed(proxy, ["one"]));
    await waitFor(() => upstream.held === 32, 10_000, "32 calls at the upstream");
    expect(await queue(proxy)).toEqual({ max_concurrent: 128, in_flight: 32, available_slots: 96, waiting_estimate: 0 });
    upstream.open();
    expect(new Set((await Promise.all(calls)).map((r) => r.status))).toEqual(new Set([200]));
    expect(await queue(proxy)).toEqual({ max_concurrent: 128, in_flight: 0, available_slots: 128, waiting_estimate: 0 });
  });

  it("answers 503 with Retry-After: 5 once the texts do not fit within GPU_QUEUE_TIMEOUT_MS; /status says why", async () => {
    const proxy = await proxyWith({ GPU_MAX_TEXTS_IN_FLIGHT: "4", GPU_RESERVED_TEXTS: "0", GPU_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS) });
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const held = [embed(proxy, words(2)), embed(proxy, words(2))];
    await waitFor(() => upstream.held === 2, 5000, "two calls at the upstream");
    const started = Date.now();
    const refused = embed(proxy, ["one more"]);
    await waitFor(async () => (await queue(proxy)).waiting_estimate === 1, 5000, "the third call to queue");
    expect(await queue(proxy)).toEqual({ max_concurrent: 4, in_flight: 2, available_slots: 0, waiting_estimate: 1 });
    const res = await refused;
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { code: string }).code).toBe("busy");
    expect(elapsed).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(QUEUE_TIMEOUT_MS + 3000); // it does not hang
    upstream.open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(proxy.services.limiter.textsInFlight).toBe(0);
  });

  it("runs a request of more texts than the whole budget, alone, once the others are done", async () => {
    const proxy = await proxyWith({ GPU_MAX_TEXTS_IN_FLIGHT: "4", GPU_RESERVED_TEXTS: "0", GPU_QUEUE_TIMEOUT_MS: "20000" });
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const small = embed(proxy, ["small"]);
    await waitFor(() => upstream.held === 1, 5000, "the small call at the upstream");
    const large = embed(proxy, words(10));
    await waitFor(() => proxy.services.limiter.queued === 1, 5000, "the large call to queue");
    expect(upstream.held).toBe(1);
    upstream.open();
    expect((await small).status).toBe(200);
    const res = await large;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { embeddings: number[][] }).embeddings).toHaveLength(10);
    expect(proxy.services.limiter.inFlight).toBe(0);
  });

  it("keeps GPU_MAX_CONCURRENT's old meaning when set: requests at once, whatever their texts", async () => {
    const proxy = await proxyWith({ GPU_MAX_CONCURRENT: "2", GPU_QUEUE_TIMEOUT_MS: "0" });
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const held = [embed(proxy, ["a"]), embed(proxy, ["b"])];
    await waitFor(() => upstream.held === 2, 5000, "two calls at the upstream");
    expect((await embed(proxy, ["c"])).status).toBe(503);
    expect(await queue(proxy)).toEqual({ max_concurrent: 2, in_flight: 2, available_slots: 0, waiting_estimate: 0 });
    upstream.open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("charges /bertscore every text it sends: candidates and every reference row, padded to the widest", async () => {
    const proxy = await proxyWith({ GPU_QUEUE_TIMEOUT_MS: "20000" });
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    // one candidate with 100 references is 101 texts at the upstream, not 2
    const references = Array.from({ length: 100 }, (_, i) => `reference ${i}`);
    const scoring = fetch(`${proxy.url}/bertscore`, postJson({ candidates: ["one candidate"], references: [references] }));
    await waitFor(() => upstream.held === 1, 5000, "the scoring call at the upstream");
    expect(proxy.services.limiter.textsInFlight).toBe(101);
    expect(await queue(proxy)).toEqual({ max_concurrent: 128, in_flight: 1, available_slots: 27, waiting_estimate: 0 });
    // a second one does not fit beside it (the last 16 texts are for small requests)
    const second = fetch(`${proxy.url}/bertscore`, postJson({ candidates: ["one candidate"], references: [references] }));
    await waitFor(async () => (await queue(proxy)).waiting_estimate === 1, 5000, "the second scoring call to queue");
    expect(upstream.held).toBe(1);
    upstream.open();
    expect([(await scoring).status, (await second).status]).toEqual([200, 200]);
    expect(proxy.services.limiter.textsInFlight).toBe(0);
  });

  it("at default settings, 10 one-text clients get in and answered while 100-text requests hold and queue for the budget", async () => {
    const proxy = await proxyWith({});
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const large = [embed(proxy, words(100)), embed(proxy, words(100)), embed(proxy, words(100))];
    // the fixture's max_batch_size is 64: a 100-text request is two calls upstream
    await waitFor(() => upstream.held === 2 && proxy.services.limiter.queued === 2, 5000, "one large request upstream, two queued");
    // without a lane of their own they would wait behind the large ones past GPU_QUEUE_TIMEOUT_MS (1 s): 503
    const small = Array.from({ length: 10 }, (_, i) => embed(proxy, [`one text ${i}`]));
    await waitFor(() => upstream.held === 12, 5000, "the 10 one-text calls at the upstream beside the large one");
    upstream.open();
    expect((await Promise.all(small)).map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set((await Promise.all(large)).map((r) => r.status)).has(200)).toBe(true);
  });

  it("against Triton, keeps the slot of a client that went away until the upstream call settles (Triton computes on)", async () => {
    const logged: Record<string, unknown>[] = [];
    const proxy = await proxyWith({ GPU_QUEUE_TIMEOUT_MS: "20000" }, (entry) => logged.push(entry));
    expect((await embed(proxy, ["warm"])).status).toBe(200);
    upstream.close();
    const controller = new AbortController();
    const gone = embed(proxy, words(10), { signal: controller.signal }).catch((err: unknown) => err);
    await waitFor(() => upstream.held === 1, 5000, "the call at the upstream");
    controller.abort();
    await gone;
    // once the proxy has seen the client go, the call stays at the upstream, and so does its slot (until it settles,
    // or UPSTREAM_TIMEOUT_MS); cancelled, it would reach the upstream as a closed connection
    const clientGone = () => logged.some((e) => String(e.msg).startsWith("client closed; its upstream call runs on"));
    await waitFor(() => clientGone() || upstream.abandoned > 0, 5000, "the proxy to see the client go");
    expect(upstream.abandoned).toBe(0);
    expect(upstream.held).toBe(1);
    expect(proxy.services.jobs.list()).toHaveLength(1);
    expect(proxy.services.limiter.textsInFlight).toBe(10);
    upstream.open();
    await waitFor(() => proxy.services.limiter.textsInFlight === 0, 5000, "the slot to be freed once the call settled");
  });
});
