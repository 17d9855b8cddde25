/**
 * Several upstreams sharing the load (TRITON_URL="a,b"): two real KServe v2 HTTP servers over the embedded runtime
 * that hold inference calls at a gate, so what each one received under concurrency is counted, never timed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";
import { waitFor } from "@gpu-bridge/test-support/wait";

const RETRY_MS = 300;
const TIMEOUT_MS = 1500;

let runtime: RuntimeHandle;
let first: GatedUpstream;
let second: GatedUpstream;
let proxy: RunningProxy;

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  first = await startGatedUpstream(runtime.fetch);
  second = await startGatedUpstream(runtime.fetch);
  proxy = await startProxy({
    ...FIXTURE_ENV,
    TRITON_URL: `${first.url},${second.url}`,
    UPSTREAM_RETRY_MS: String(RETRY_MS),
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    GPU_QUEUE_TIMEOUT_MS: "0",
    PORT: "0",
  });
});

afterEach(() => {
  first.open();
  second.open();
});

afterAll(async () => {
  await proxy?.close();
  await first?.stop();
  await second?.stop();
  await runtime?.close();
});

const embed = (init: Partial<RequestInit> = {}) => fetch(`${proxy.url}/embed`, { ...postJson({ texts: ["share"] }), ...init });

/** gpu_bridge_upstream_calls_in_flight by upstream label. */
async function inFlightByUpstream(): Promise<Record<string, number>> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^gpu_bridge_upstream_calls_in_flight\{upstream="([^"]+)"\} (\S+)$/gm)) {
    out[match[1] ?? ""] = Number(match[2]);
  }
  return out;
}

async function expectAllFree(): Promise<void> {
  await waitFor(async () => Object.values(await inFlightByUpstream()).every((n) => n === 0), 5000, "every upstream gauge at 0");
  expect(proxy.services.limiter.inFlight).toBe(0);
  expect(proxy.services.limiter.textsInFlight).toBe(0);
}

describe("two upstreams", () => {
  it("share concurrent calls (least outstanding first), each counted in /metrics by its position, never its URL", async () => {
    expect(await inFlightByUpstream()).toEqual({ "0": 0, "1": 0 });
    expect((await embed()).status).toBe(200);
    first.close();
    second.close();
    const calls = Array.from({ length: 6 }, () => embed());
    await waitFor(() => first.held + second.held === 6, 5000, "six calls at the gates");
    expect([first.held, second.held]).toEqual([3, 3]);
    expect(await inFlightByUpstream()).toEqual({ "0": 3, "1": 3 });
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).not.toContain("127.0.0.1");
    first.open();
    second.open();
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await expectAllFree();
  });

  it("frees every gauge and the admission budget when calls pass their deadline or their clients leave", async () => {
    first.close();
    second.close();
    const leaving = [new AbortController(), new AbortController()];
    const left = leaving.map((c) => embed({ signal: c.signal }).catch((err: unknown) => err));
    const timedOut = [embed(), embed()];
    await waitFor(() => first.held + second.held === 4, 5000, "four calls at the gates");
    for (const c of leaving) c.abort();
    for (const err of await Promise.all(left)) expect(err).toBeInstanceOf(Error);
    expect((await Promise.all(timedOut)).map((r) => r.status)).toEqual([504, 504]);
    await expectAllFree();
  });

  it("fails over while one is down, with nothing lost, and shares with it again once it is back", async () => {
    await first.stop();
    const during = await Promise.all(Array.from({ length: 4 }, () => embed()));
    expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(proxy.services.pool.upstreams[0]?.downUntil).toBeGreaterThan(0);
    await first.start();
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS + 50));
    first.close();
    second.close();
    const after = Array.from({ length: 4 }, () => embed());
    await waitFor(() => first.held + second.held === 4, 5000, "four calls at the gates");
    expect([first.held, second.held]).toEqual([2, 2]);
    first.open();
    second.open();
    expect((await Promise.all(after)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(proxy.services.pool.upstreams[0]?.downUntil).toBe(0);
    await expectAllFree();
  });
});
