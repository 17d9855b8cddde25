import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineApiSuite, FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
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

/** A POST /embed with `Transfer-Encoding: <codings>` and `body` as one chunk, over a raw connection. */
function rawExchange(port: number, codings: string, body: Uint8Array): Promise<{ status: number; body: string }> {
  const head = `POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: ${codings}\r\nConnection: close\r\n\r\n`;
  const chunked = Buffer.concat([Buffer.from(`${head}${body.byteLength.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed connection reads as a client that went away.
    const socket = connect(port, "127.0.0.1", () => socket.write(chunked));
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", reject);
    socket.on("close", () => {
      const [headers = "", ...rest] = received.split("\r\n\r\n");
      const text = rest.join("\r\n\r\n");
      // The answer may itself be chunked: keep the JSON document between its chunk-size lines.
      const bodyText = /^[0-9a-f]+\r\n/i.test(text) ? text.replace(/^[0-9a-f]+\r\n/i, "").replace(/\r\n0\r\n\r\n$/, "") : text;
      resolve({ status: Number(headers.split(" ")[1]), body: bodyText });
    });
  });
}

/** A GET /health with the given Host header (fetch cannot set it). */
/** GET /status (not /health, which answers any Host) with the given Host header. */
function hostExchange(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/status", headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
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

  it("decodes Transfer-Encoding: gzip, chunked, and answers 415 to a transfer coding it does not decode", async () => {
    const gzipped = gzipSync('{"texts":["transfer-coded"]}');
    const plain = (await (await request("/embed", postJson({ texts: ["transfer-coded"] }))).json()) as unknown;
    const decoded = await rawExchange(proxy.port, "gzip, chunked", gzipped);
    expect(decoded.status, decoded.body).toBe(200);
    expect(JSON.parse(decoded.body)).toEqual(plain);
    const refused = await rawExchange(proxy.port, "br, chunked", gzipped);
    expect(refused.status).toBe(415);
    expect((JSON.parse(refused.body) as { code: string }).code).toBe("unsupported_media_type");
  });

  it("answers 403 when the Host header names another host (DNS rebinding) and no API_KEY is set", async () => {
    const rebound = await hostExchange(proxy.port, `rebound.example:${proxy.port}`);
    expect(rebound.status).toBe(403);
    expect((JSON.parse(rebound.body) as { code: string }).code).toBe("host_not_allowed");
    expect((await hostExchange(proxy.port, `localhost:${proxy.port}`)).status).toBe(200);
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
