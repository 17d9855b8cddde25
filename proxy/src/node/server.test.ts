import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineApiSuite, FIXTURE_ENV, postJson } from "../testing/api.suite.js";
import { FIXTURE_REPOSITORY } from "../testing/fixtures.js";
import { startProxy, type RunningProxy } from "./server.js";

let proxy: RunningProxy;

beforeAll(async () => {
  proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, HOST: "127.0.0.1", PORT: "0" });
});

afterAll(async () => {
  await proxy?.close();
});

const request = (path: string, init?: RequestInit) => fetch(`${proxy.url}${path}`, init);

/** A JSON POST whose body streams in the given chunks, with no Content-Length. */
function postChunked(path: string, chunks: string[]): Promise<Response> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return request(path, { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
}

describe("proxy on Node over real HTTP, embedded runtime", () => {
  defineApiSuite(() => ({ request, backend: "embedded" }));

  it("refuses a chunked body over MAX_BODY_BYTES while it streams (no Content-Length)", async () => {
    const chunk = `{"texts":["${"y".repeat(40_000)}`;
    const res = await postChunked("/embed", [chunk, chunk]);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe("body_too_large");
  });

  it("reads a chunked body under MAX_BODY_BYTES (no Content-Length)", async () => {
    const res = await postChunked("/embed", ['{"texts":["chunked ', 'body"]}']);
    expect(res.status).toBe(200);
    const direct = (await (await request("/embed", postJson({ texts: ["chunked body"] }))).json()) as { embeddings: number[][] };
    expect(((await res.json()) as { embeddings: number[][] }).embeddings).toEqual(direct.embeddings);
  });

  it("exposes Prometheus metrics by route and status", async () => {
    await request("/embed", postJson({ texts: ["metrics"] }));
    await request("/embed", postJson({ texts: [1] }));
    const res = await request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/gpu_bridge_http_requests_total\{method="POST",route="\/embed",status="200"\} [1-9]/);
    expect(text).toMatch(/gpu_bridge_http_requests_total\{method="POST",route="\/embed",status="422"\} [1-9]/);
    expect(text).toMatch(/gpu_bridge_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/embed"\}/);
    expect(text).toMatch(/^gpu_bridge_upstream_in_flight 0$/m);
    expect(text).toMatch(/^gpu_bridge_http_requests_in_flight 1$/m); // this very request
  });
});
