/// <reference types="@cloudflare/vitest-pool-workers/types" />
/**
 * The Worker in real workerd, talking over loopback HTTP to the embedded runtime's standalone server (standing in
 * for Triton): the same API suite as on Node, plus the Worker's own configuration paths.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { defineApiSuite, postJson } from "@gpu-bridge/test-support/api.suite";
import worker from "../../src/workers/index.js";

const BASE = "https://proxy.example";

describe("proxy in workerd", () => {
  defineApiSuite(() => ({ request: (path, init) => SELF.fetch(`${BASE}${path}`, init), backend: "triton" }));

  it("has no /metrics (Node only)", async () => {
    const res = await SELF.fetch(`${BASE}/metrics`);
    expect(res.status).toBe(404);
  });

  it("needs the API key when the API_KEY binding is set", async () => {
    const keyed = { ...(env as Record<string, unknown>), API_KEY: "worker-key" };
    const denied = await worker.fetch(new Request(`${BASE}/embed`, postJson({ texts: ["a"] })), keyed);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ code: "unauthorized" });
    const allowed = await worker.fetch(
      new Request(`${BASE}/embed`, postJson({ texts: ["a"] }, { authorization: "Bearer worker-key" })),
      keyed,
    );
    expect(allowed.status).toBe(200);
    const health = await worker.fetch(new Request(`${BASE}/health`), keyed);
    expect(health.status).toBe(200);
  });

  it("serves /docs as a plain page of the routes (no Swagger UI files in the bundle), public with API_KEY set", async () => {
    const keyed = { ...(env as Record<string, unknown>), API_KEY: "worker-key" };
    const docs = await worker.fetch(new Request(`${BASE}/docs`), keyed);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).not.toContain("<script");
    for (const path of ["/embed", "/bertscore", "/v1/embeddings", "/health"]) expect(html).toContain(`<code>${path}</code>`);
    expect(html).toContain('href="openapi.json"');
    expect((await worker.fetch(new Request(`${BASE}/openapi.json`), keyed)).status).toBe(200);
  });

  it("answers a clear config_error when TRITON_URL is missing", async () => {
    const { TRITON_URL: _unused, ...rest } = env as Record<string, unknown>;
    const res = await worker.fetch(new Request(`${BASE}/health`), rest);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "config_error", detail: expect.stringContaining("TRITON_URL") });
  });

  it("answers 502 when TRITON_URL points nowhere", async () => {
    const nowhere = { ...(env as Record<string, unknown>), TRITON_URL: "http://127.0.0.1:9" };
    const res = await worker.fetch(new Request(`${BASE}/embed`, postJson({ texts: ["a"] })), nowhere);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: "upstream_error" });
  });
});
