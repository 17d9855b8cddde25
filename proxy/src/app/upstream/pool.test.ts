/**
 * Several upstreams (TRITON_URL="a,b"): two standalone embedded runtimes on loopback; the first is stopped and
 * restarted on its port while the proxy keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { createRuntimeFetch, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";

// Long enough that a busy machine does not see the mark expire between two calls; /health no longer renews it.
const RETRY_MS = 1500;

let handle: RuntimeHandle;
let primary: RuntimeServer;
let secondary: RuntimeServer;
let proxy: RunningProxy;
/** Upstream origins in the order the proxy called them. */
const calls: string[] = [];

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  primary = await startRuntimeServer({ handle });
  secondary = await startRuntimeServer({ handle });
  proxy = await startProxy(
    {
      ...FIXTURE_ENV,
      TRITON_URL: `${primary.url}, ${secondary.url}/`,
      UPSTREAM_RETRY_MS: String(RETRY_MS),
      HEALTH_PROBE_CACHE_MS: "0",
      PORT: "0",
    },
    {
      wrapFetch: (inner) => (url, init) => {
        calls.push(new URL(url).origin);
        return inner(url, init);
      },
    },
  );
});

afterAll(async () => {
  await proxy?.close();
  await primary?.close();
  await secondary?.close();
  await handle?.close();
});

const embed = () => fetch(`${proxy.url}/embed`, postJson({ texts: ["failover"] }));
const health = async () => (await (await fetch(`${proxy.url}/health`)).json()) as { status: string };

/** Origins of the calls made while `action` ran. */
async function callsDuring(action: () => Promise<void>): Promise<string[]> {
  const start = calls.length;
  await action();
  return calls.slice(start);
}

describe("failover between upstreams", () => {
  it("uses the first upstream while it is up", async () => {
    const seen = await callsDuring(async () => expect((await embed()).status).toBe(200));
    expect(new Set(seen)).toEqual(new Set([primary.url]));
  });

  it("moves to the second when the first stops, and stays healthy", async () => {
    await primary.close();
    const seen = await callsDuring(async () => expect((await embed()).status).toBe(200));
    expect(seen[0]).toBe(primary.url);
    expect(seen.at(-1)).toBe(secondary.url);
    expect(await health()).toEqual({ status: "ok", device: "cpu" });
    // while the first is marked down, calls go straight to the second
    const next = await callsDuring(async () => expect((await embed()).status).toBe(200));
    expect(new Set(next)).toEqual(new Set([secondary.url]));
  });

  it("answers 502 and /health error when none is reachable", async () => {
    await secondary.close();
    const res = await embed();
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe("upstream_error");
    const h = await fetch(`${proxy.url}/health`);
    expect(h.status).toBe(503);
    expect(((await h.json()) as { status: string }).status).toBe("error");
  });

  it("goes back to the first once it is restarted on its port", async () => {
    primary = await startRuntimeServer({ handle, port: primary.port });
    secondary = await startRuntimeServer({ handle, port: secondary.port });
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS + 50));
    const seen = await callsDuring(async () => expect((await embed()).status).toBe(200));
    expect(seen.at(-1)).toBe(primary.url);
    expect(seen).not.toContain(secondary.url);
    expect(await health()).toEqual({ status: "ok", device: "cpu" });
  });
});
