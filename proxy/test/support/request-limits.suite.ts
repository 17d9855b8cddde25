/**
 * Requests an outsider can send without a key, on both hosts (Node in process, the Worker in workerd): lists of
 * millions of elements, invalid UTF-8, compressed bodies, characters outside the BMP, foreign Host and Origin
 * headers. Each is answered at once with a short error of a documented code, or decoded and served.
 */
import { describe, expect, it } from "vitest";
import { MAX_DETAIL_LENGTH, MAX_ISSUES, MAX_NESTING } from "@gpu-bridge/contract/errors";

export interface RequestLimitsContext {
  /**
   * Sends a request to a proxy with the fixture models, the default MAX_BODY_BYTES (8 MiB) and no API_KEY, plus
   * `env`; `url` is relative to `origin` unless absolute.
   */
  request(env: Record<string, string>, url: string, init?: RequestInit): Promise<Response>;
  /** The origin requests go to by default (a host name the proxy answers for). */
  origin: string;
  /** Whether, without API_KEY and ALLOWED_HOSTS, this host answers only IP addresses and localhost (Node). */
  localHostsByDefault: boolean;
}

const json = { "content-type": "application/json" };
const post = (body: string | Uint8Array, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", headers: { ...json, ...headers }, body });

/** An 8 MB body: a list of 4,000,000 numbers where texts belong (the issue's reproduction). */
const MILLIONS = `[${"1,".repeat(3_999_999)}1]`;

async function compress(text: string | Uint8Array, format: "gzip" | "deflate"): Promise<Uint8Array> {
  const stream = new Response(text).body!.pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function answer(res: Response): Promise<{ status: number; size: number; body: { code: string; detail: string; issues?: unknown[] } }> {
  const text = await res.text();
  return { status: res.status, size: text.length, body: JSON.parse(text) as { code: string; detail: string; issues?: unknown[] } };
}

export function defineRequestLimitsSuite(ctx: () => RequestLimitsContext): void {
  const send = (url: string, init?: RequestInit, env: Record<string, string> = {}) => ctx().request(env, url, init);

  describe("lists far over GPU_MAX_BATCH_SIZE", () => {
    const bodies: [string, string, string, string][] = [
      ["texts", "/embed", `{"texts":${MILLIONS}}`, "texts"],
      ["candidates", "/bertscore", `{"candidates":${MILLIONS},"references":["a"]}`, "candidates"],
      ["references", "/bertscore", `{"candidates":["a"],"references":[${MILLIONS}]}`, "references.0"],
      ["input", "/v1/embeddings", `{"input":${MILLIONS}}`, "input"],
    ];
    for (const [field, path, body, where] of bodies) {
      it(`refuses 4,000,000 numbers as ${field} (an 8 MB body) with a short 413, before parsing it`, async () => {
        expect(body.length).toBeGreaterThan(8_000_000);
        const res = await answer(await send(path, post(body)));
        expect(res.status).toBe(413);
        expect(res.body.code).toBe("too_many_items");
        expect(res.body.detail).toBe(`${where}: more than 100 items; at most 100 per request`);
        expect(res.size).toBeLessThan(1024);
      });
    }

    it("refuses an object of 700,000 fields (seconds of JSON.parse) before parsing it", async () => {
      const fields = Array.from({ length: 700_000 }, (_, i) => `"k${i}":1`).join(",");
      const res = await answer(await send("/embed", post(`{"texts":["a"],${fields}}`)));
      expect([res.status, res.body.code, res.body.detail]).toEqual([422, "validation_error", "the body: more than 64 fields"]);
    });

    it("refuses a 4 MB body nested 2,000,000 deep (seconds of JSON.parse) with a short 400, before parsing it", async () => {
      const deep = "[".repeat(2_000_000) + "]".repeat(2_000_000);
      const res = await answer(await send("/embed", post(deep)));
      expect([res.status, res.body.code]).toEqual([400, "nesting_too_deep"]);
      expect(res.body.detail).toBe(`${Array(MAX_NESTING).fill("0").join(".")}: nested deeper than ${MAX_NESTING} levels`);
    });

    it("refuses nesting deeper than any request needs inside a field, and takes the deepest request there is", async () => {
      const extra = `${"[".repeat(MAX_NESTING)}${"]".repeat(MAX_NESTING)}`;
      const res = await answer(await send("/bertscore", post(`{"candidates":["a"],"references":[["a"]],"extra":${extra}}`)));
      expect([res.status, res.body.code]).toEqual([400, "nesting_too_deep"]);
      expect(res.body.detail).toMatch(/^extra(\.0)+: nested deeper than/);
      const ok = await send("/bertscore", post(JSON.stringify({ candidates: ["a"], references: [["a", "b"]] })));
      expect(ok.status, await ok.clone().text()).toBe(200);
    });

    it("counts every reference of every candidate against the limit, before reading them", async () => {
      const nested = `{"candidates":["a"],"references":[${Array.from({ length: 100 }, () => `[${"1,".repeat(99)}1]`).join(",")}]}`;
      const res = await answer(await send("/bertscore", post(nested)));
      expect([res.status, res.body.code]).toEqual([413, "too_many_items"]);
      expect(res.body.detail).toBe("references: 10000 texts in all; at most 100 per request");
    });

    it("lists only the first issues of a list of wrong elements, and says how many more", async () => {
      const res = await answer(await send("/embed", post(JSON.stringify({ texts: Array.from({ length: 100 }, (_, i) => i) }))));
      expect([res.status, res.body.code]).toEqual([422, "validation_error"]);
      expect(res.body.issues).toHaveLength(MAX_ISSUES);
      expect(res.body.detail).toMatch(/^texts\.0: .+; texts\.1: .+; texts\.2: .+ \(and 97 more\)$/);
      expect(res.size).toBeLessThan(4096);
    });

    it("states the configured limits in the OpenAPI document", async () => {
      const spec = (await (await send("/openapi.json", {}, { GPU_MAX_BATCH_SIZE: "7", GPU_MAX_TEXT_LENGTH: "99" })).json()) as {
        components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
      };
      const { EmbedRequest, BertscoreRequest } = spec.components.schemas;
      expect(EmbedRequest?.properties.texts).toMatchObject({ maxItems: 7, items: { maxLength: 99 } });
      expect(BertscoreRequest?.properties.candidates).toMatchObject({ maxItems: 7 });
      expect(BertscoreRequest?.properties.references).toMatchObject({ maxItems: 7 });
    });
  });

  describe("GPU_MAX_TEXT_LENGTH counts characters (code points), as the original service's Python len()", () => {
    it("takes 10 emoji (20 UTF-16 units) at a limit of 10, and refuses 11", async () => {
      const env = { GPU_MAX_TEXT_LENGTH: "10" };
      const ok = await send("/embed", post(JSON.stringify({ texts: ["😀".repeat(10)] })), env);
      expect(ok.status, await ok.clone().text()).toBe(200);
      const over = await answer(await send("/embed", post(JSON.stringify({ texts: ["😀".repeat(11)] })), env));
      expect([over.status, over.body.code]).toEqual([413, "text_too_long"]);
      expect(over.body.detail).toBe("texts.0: 11 characters; at most 10");
    });
  });

  describe("bodies must be UTF-8 (RFC 8259)", () => {
    it("answers 400 invalid_json to invalid UTF-8 instead of replacing it", async () => {
      const bytes = new Uint8Array([...new TextEncoder().encode('{"texts":["a'), 0xff, 0xfe, ...new TextEncoder().encode('"]}')]);
      const res = await answer(await send("/embed", post(bytes)));
      expect([res.status, res.body.code]).toEqual([400, "invalid_json"]);
      expect(res.body.detail).toContain("UTF-8");
    });
  });

  describe("Content-Encoding", () => {
    const plain = JSON.stringify({ texts: ["compressed on the wire"] });

    for (const format of ["gzip", "deflate"] as const) {
      it(`decodes a ${format} body and serves it as the same plain body`, async () => {
        const expected = (await (await send("/embed", post(plain))).json()) as unknown;
        const res = await send("/embed", post(await compress(plain, format), { "content-encoding": format }));
        expect(res.status, await res.clone().text()).toBe(200);
        expect(await res.json()).toEqual(expected);
      });
    }

    it("answers 400 to a body that is not what its Content-Encoding says", async () => {
      const res = await answer(await send("/embed", post(plain, { "content-encoding": "gzip" })));
      expect([res.status, res.body.code]).toEqual([400, "invalid_json"]);
      expect(res.body.detail).toContain("could not be decoded");
    });

    it("answers 415 to a coding it does not decode", async () => {
      const res = await answer(await send("/embed", post(plain, { "content-encoding": "br" })));
      expect([res.status, res.body.code]).toEqual([415, "unsupported_media_type"]);
      expect(res.body.detail).toContain("'br'");
    });

    it("answers 415 to codings stacked in one header (a decompressor each), before decoding any", async () => {
      const twice = await compress(await compress(plain, "gzip"), "gzip");
      const stacked = await answer(await send("/embed", post(twice, { "content-encoding": "gzip, gzip" })));
      expect([stacked.status, stacked.body.code]).toEqual([415, "unsupported_media_type"]);
      expect(stacked.body.detail).toBe("2 body codings; at most 1 (gzip or deflate)");
      const many = await answer(await send("/embed", post(plain, { "content-encoding": Array(3000).fill("gzip").join(",") })));
      expect([many.status, many.body.code]).toEqual([415, "unsupported_media_type"]);
      expect(many.body.detail).toBe("3000 body codings; at most 1 (gzip or deflate)");
    });

    it("counts the decoded size against MAX_BODY_BYTES (a few KB of gzip can stand for gigabytes)", async () => {
      const bomb = await compress(`{"texts":["${"a".repeat(9 * 2 ** 20)}"]}`, "gzip");
      expect(bomb.byteLength).toBeLessThan(64 * 1024);
      const res = await answer(await send("/embed", post(bomb, { "content-encoding": "gzip" })));
      expect([res.status, res.body.code]).toEqual([413, "body_too_large"]);
    });
  });

  describe("Host and Origin", () => {
    const hosts = { ALLOWED_HOSTS: `${new URL(ctx().origin).hostname},.corp.example` };

    it("with ALLOWED_HOSTS, answers 403 host_not_allowed for any other Host or Origin, saying what to set", async () => {
      const refused = await answer(await send("https://rebound.example/status", {}, hosts));
      expect([refused.status, refused.body.code]).toEqual([403, "host_not_allowed"]);
      // ALLOWED_HOSTS is set: the message says to add the name to it, not to set it (nor API_KEY, which it overrides)
      expect(refused.body.detail).toContain("add 'rebound.example' to ALLOWED_HOSTS");
      expect(refused.body.detail).not.toContain("API_KEY");
      expect((await send("https://gpu.corp.example/status", {}, hosts)).status).toBe(200);
      expect((await send("/status", {}, hosts)).status).toBe(200);
      const origin = await answer(await send("/embed", post(JSON.stringify({ texts: ["a"] }), { origin: "https://rebound.example" }), hosts));
      expect([origin.status, origin.body.code]).toEqual([403, "host_not_allowed"]);
      const sameOrigin = await send("/embed", post(JSON.stringify({ texts: ["a"] }), { origin: ctx().origin }), hosts);
      expect(sameOrigin.status).toBe(200);
    });

    it("with ALLOWED_HOSTS, still answers IP addresses and localhost (probes), and /health under any name", async () => {
      for (const local of ["http://127.0.0.1:8765", "http://localhost", "http://[::1]:8765", "http://10.244.1.7:8765"]) {
        expect((await send(`${local}/status`, {}, hosts)).status, local).toBe(200);
      }
      expect((await send("http://proxy:8765/health", {}, hosts)).status).toBe(200);
    });

    it("without API_KEY and ALLOWED_HOSTS, refuses host names other than localhost where the host says so", async () => {
      const rebound = await send("http://rebound.example/status");
      if (!ctx().localHostsByDefault) {
        expect(rebound.status, "Workers are reached by their public name").toBe(200);
        return;
      }
      const refused = await answer(rebound);
      expect([refused.status, refused.body.code]).toEqual([403, "host_not_allowed"]);
      expect(refused.body.detail).toContain("add 'rebound.example' to ALLOWED_HOSTS");
      expect(refused.body.detail).toContain("or set API_KEY");
      for (const local of ["http://127.0.0.1:8765", "http://localhost", "http://[::1]:8765", "http://10.1.2.3"]) {
        expect((await send(`${local}/status`)).status, local).toBe(200);
      }
      expect((await send("http://rebound.example/health")).status, "/health holds no data").toBe(200);
      // With a key the key protects the API, whatever the Host.
      expect((await send("http://rebound.example/health", {}, { API_KEY: "k" })).status).toBe(200);
    });
  });

  it("bounds every error detail, whatever it echoes", async () => {
    const res = await answer(await send(`/${"x".repeat(20_000)}`));
    expect(res.body.code).toBe("not_found");
    expect(res.body.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
  });
}
