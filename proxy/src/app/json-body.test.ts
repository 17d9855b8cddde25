/** Which Content-Types the POST routes read, that no header, however odd, turns into a 5xx, and the body size limit. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeApp, type NodeApp } from "../node/server.js";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/api.suite";
import { middlewareApp, outcome } from "../../test/support/middleware-app.js";
import { jsonBodyRoutes } from "./app.js";
import { contentTypeProblem, jsonBody } from "./json-body.js";

describe("contentTypeProblem", () => {
  const accepted = [
    "application/json",
    "APPLICATION/JSON",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
    "application/json; charset=utf8",
    "application/json; charset=unicode-1-1-utf-8",
    "application/vnd.api+json",
    "application/json; charset=utf-8; profile=x",
  ];
  for (const header of accepted) {
    it(`accepts ${header}`, () => expect(contentTypeProblem(header)).toBeUndefined());
  }

  const refused: [string | undefined, RegExp][] = [
    [undefined, /got none/],
    ["", /got none/],
    ["text/plain", /expected Content-Type: application\/json/],
    ["application/jsonx", /expected Content-Type: application\/json/],
    ["application/json, text/plain", /malformed Content-Type/],
    ["application/json; charset=latin1", /must be UTF-8, got charset 'latin1'/],
    ["application/json; charset=ISO-8859-1", /must be UTF-8/],
    ["application/json; charset=utf-16", /must be UTF-8/],
    ["application/json; charset=utf-16le", /must be UTF-8/],
    ["application/json; charset=nonsense", /must be UTF-8/],
    ["application/json;;;", /malformed Content-Type/],
    ["application/json;", /malformed Content-Type/],
    ["application/json ; charset=utf-8", /malformed Content-Type/],
    ["application/json; charset", /malformed Content-Type/],
  ];
  for (const [header, message] of refused) {
    it(`refuses ${JSON.stringify(header)}`, () => expect(contentTypeProblem(header)).toMatch(message));
  }
});

describe("odd Content-Types over the app", () => {
  let node: NodeApp;

  // The upstream is never reached: every body here fails validation (422) when its type is accepted.
  beforeAll(async () => {
    node = await createNodeApp({ ...FIXTURE_ENV, TRITON_URL: "http://127.0.0.1:9" }, { log: () => {} });
  });

  afterAll(async () => {
    await node?.close();
  });

  const jsonish = fc.oneof(
    fc.string({ unit: "binary-ascii", maxLength: 40 }).map((tail) => `application/json${tail}`),
    fc
      .array(fc.constantFrom(";", " ", "=", '"', "charset", "utf-8", "latin1", "+", ",", "\t", "x", "\\"), { maxLength: 12 })
      .map((parts) => `application/json${parts.join("")}`),
  );

  it("reads the body of exactly the POST routes whose OpenAPI definition has a JSON body", async () => {
    expect(jsonBodyRoutes(node.app).sort()).toEqual(["/bertscore", "/embed", "/v1/embeddings"]);
    const notJson = { method: "POST", headers: { "content-type": "text/plain" }, body: "x" };
    expect((await node.fetch(new Request("http://127.0.0.1/embed", notJson))).status).toBe(415);
    // a POST to a route without a body is not read as one: 404 for the path, not 415 for the body
    expect((await node.fetch(new Request("http://127.0.0.1/health", notJson))).status).toBe(404);
  });

  it("answers 415 or 422, never 5xx, on /embed, /bertscore and /v1/embeddings", async () => {
    await fc.assert(
      fc.asyncProperty(jsonish, fc.constantFrom("/embed", "/bertscore", "/v1/embeddings"), async (type, path) => {
        let headers: Headers;
        try {
          headers = new Headers({ "content-type": type });
        } catch {
          return; // not a header value any client can send
        }
        const res = await node.fetch(new Request(`http://127.0.0.1${path}`, { method: "POST", headers, body: "{}" }));
        const body = (await res.json()) as { code: string };
        expect([415, 422], `${JSON.stringify(type)} → ${res.status} ${body.code}`).toContain(res.status);
        expect(body.code).toBe(res.status === 415 ? "unsupported_media_type" : "validation_error");
      }),
      { numRuns: 300 },
    );
  });
});

describe("the body size limit (MAX_BODY_BYTES)", () => {
  const MAX = 64;
  const app = middlewareApp(jsonBody({ maxBytes: MAX, maxItems: 8 }));
  /** A JSON body of exactly `size` bytes. */
  const body = (size: number) => JSON.stringify({ t: "x".repeat(size - '{"t":""}'.length) });
  const json = { "content-type": "application/json" };
  const stream = (content: string | Uint8Array, chunk = 5) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
        for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.subarray(i, i + chunk));
        controller.close();
      },
    });
  const post = (payload: string | Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string>) =>
    app.request("http://127.0.0.1/echo", { method: "POST", body: payload, headers, duplex: "half" } as RequestInit);
  const tooLarge = { status: 413, code: "body_too_large" };

  it("reads a body of exactly the limit and refuses one byte more, by its Content-Length", async () => {
    const exact = await post(body(MAX), { ...json, "content-length": String(MAX) });
    expect(exact.status).toBe(200);
    expect(await exact.text()).toBe(body(MAX));
    expect(await outcome(post(body(MAX + 1), { ...json, "content-length": String(MAX + 1) }))).toEqual(tooLarge);
  });

  it("counts a body without a Content-Length as it streams", async () => {
    const exact = await post(stream(body(MAX)), json);
    expect(exact.status).toBe(200);
    expect(await exact.text()).toBe(body(MAX));
    expect(await outcome(post(stream(body(MAX + 1)), json))).toEqual(tooLarge);
  });

  it("counts the decoded size of a gzip body, not only the size sent", async () => {
    const gzip = async (text: string) =>
      new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    const small = await gzip(body(MAX));
    const large = await gzip(JSON.stringify({ t: "x".repeat(10_000) }));
    // sent without a Content-Length, so the sent bytes are counted on the stream too (and are under the limit)
    expect(large.byteLength).toBeLessThanOrEqual(MAX);
    const gzipped = { ...json, "content-encoding": "gzip" };
    const ok = await post(stream(small), gzipped);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(body(MAX));
    expect(await outcome(post(stream(large), gzipped))).toEqual(tooLarge);
  });
});

describe("jsonBody answers a body it will not read with a stable code", () => {
  const app = middlewareApp(jsonBody({ maxBytes: 1024, maxItems: 8 }));
  const post = (body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/json" }) =>
    outcome(app.request("http://127.0.0.1/echo", { method: "POST", body, headers }));
  const compress = async (text: string, format: "gzip" | "deflate") =>
    new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer());

  it("refuses a Content-Type that is not JSON (415) and invalid UTF-8 (400)", async () => {
    expect(await post('{"texts":["a"]}', { "content-type": "text/plain" })).toEqual({ status: 415, code: "unsupported_media_type" });
    expect(await post(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toEqual({ status: 400, code: "invalid_json" });
  });

  it("refuses a list longer than a request can have (413) and an object with too many fields (422)", async () => {
    expect(await post(JSON.stringify({ texts: Array(9).fill("a") }))).toEqual({ status: 413, code: "too_many_items" });
    expect(await post(JSON.stringify({ texts: Array(8).fill("a") }))).toEqual({ status: 200, code: undefined });
    const fields = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 1]));
    expect(await post(JSON.stringify(fields))).toEqual({ status: 422, code: "validation_error" });
  });

  it("decodes gzip, x-gzip and deflate, and refuses another coding (415) or a body that does not decode (400)", async () => {
    const text = '{"texts":["coded"]}';
    for (const [name, format] of [["gzip", "gzip"], ["x-gzip", "gzip"], ["deflate", "deflate"]] as const) {
      const res = await app.request("http://127.0.0.1/echo", {
        method: "POST",
        body: await compress(text, format),
        headers: { "content-type": "application/json", "content-encoding": name },
      });
      expect(res.status, name).toBe(200);
      expect(await res.text(), name).toBe(text);
    }
    const headers = (coding: string) => ({ "content-type": "application/json", "content-encoding": coding });
    expect(await post(text, headers("compress"))).toEqual({ status: 415, code: "unsupported_media_type" });
    expect(await post("not gzip at all", headers("gzip"))).toEqual({ status: 400, code: "invalid_json" });
  });
});
