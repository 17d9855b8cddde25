/**
 * The HTTP API checked end to end against the committed test models, shared by the Node suite (real HTTP,
 * embedded runtime) and the workerd suite (real Worker, standalone runtime on loopback). Numbers are compared
 * with goldens computed by sentence-transformers and bert_score (test/fixtures/goldens), never by our code.
 */
import { describe, expect, it } from "vitest";
import { BertscoreResponseSchema } from "@gpu-bridge/contract/schemas";
import bertscoreGoldens from "../fixtures/goldens/bertscore.json" with { type: "json" };
import bertscoreBertGoldens from "../fixtures/goldens/bertscore-tiny-bert.json" with { type: "json" };
import embedGoldens from "../fixtures/goldens/embed.json" with { type: "json" };

export interface ApiSuiteContext {
  /** Sends a request to the proxy (path relative to its root). */
  request(path: string, init?: RequestInit): Promise<Response>;
  backend: "triton" | "embedded";
}

import { FIXTURE_MODELS } from "./fixture-env.js";
import { defineOriginalServiceSuite } from "./original-service.suite.js";
import { defineStatusSuite } from "./status.suite.js";
import { corpusCase } from "./unicode-corpus.js";

export { FIXTURE_ENV, FIXTURE_MODELS } from "./fixture-env.js";

/** ONNX Runtime on CPU against PyTorch: agreement to float32 rounding of a few ulps after reductions. */
const TOLERANCE = 1e-5;

/** A POST of `body` as JSON text under the given Content-Type. */
export function typed(contentType: string, body: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) };
}

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

function expectClose(actual: number[], expected: number[], tolerance = TOLERANCE): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - (expected[i] as number)), `element ${i}: ${value} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  });
}

export function defineApiSuite(ctx: () => ApiSuiteContext): void {
  const request = (path: string, init?: RequestInit) => ctx().request(path, init);

  defineOriginalServiceSuite(request);
  defineStatusSuite(request);

  describe("service routes", () => {
    it("GET /health answers the original shape", async () => {
      const res = await request("/health");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", device: "cpu" });
    });

    it("GET /info answers the original fields and the served models", async () => {
      const res = await request("/info");
      expect(res.status).toBe(200);
      const info = (await res.json()) as Record<string, unknown>;
      for (const key of ["device", "device_name", "vram_total_mb", "vram_used_mb", "pytorch_version", "cuda_version", "loaded_models"]) {
        expect(info, key).toHaveProperty(key);
      }
      expect(info.device).toBe("cpu");
      expect(typeof info.device_name).toBe("string");
      expect(info.vram_total_mb).toBeNull();
      expect(info.vram_used_mb).toBeNull();
      expect(typeof info.pytorch_version).toBe("string");
      expect(info.cuda_version).toBeNull();
      expect([...(info.loaded_models as string[])].sort()).toEqual(
        ["bertscore:tiny-bert", "bertscore:tiny-roberta", "embed:tiny-bert"].sort(),
      );
      expect(info.backend).toBe(ctx().backend);
      expect(info.embed_model).toBe(FIXTURE_MODELS.embed);
      expect(info.bertscore_model).toBe(FIXTURE_MODELS.bertscore);
      expect(info.notes).toEqual([]);
    });

    it("echoes X-Request-Id and generates one when absent", async () => {
      const echoed = await request("/health", { headers: { "x-request-id": "req-abc-123" } });
      expect(echoed.headers.get("x-request-id")).toBe("req-abc-123");
      const generated = await request("/health");
      expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("answers unknown routes with the one error body", async () => {
      const res = await request("/nope");
      expect(res.status).toBe(404);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.code).toBe("not_found");
      expect(typeof body.detail).toBe("string");
    });

    it("serves /openapi.json generated from the schemas, and /docs", async () => {
      const spec = (await (await request("/openapi.json")).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
        components: { schemas: Record<string, { description?: string }> };
      };
      expect(spec.openapi).toBe("3.1.0");
      expect(Object.keys(spec.paths).sort()).toEqual(["/bertscore", "/embed", "/health", "/info", "/status", "/v1/embeddings"]);
      expect(spec.components.schemas).toHaveProperty("EmbedRequest");
      expect(spec.components.schemas.Error?.description).toContain("`busy` (503)");
      const docs = await request("/docs");
      expect(docs.status).toBe(200);
      expect(docs.headers.get("content-type")).toContain("text/html");
      const html = await docs.text();
      // never blank: every script the page loads is this proxy's own and answers, or there is none and the page
      // lists the routes itself (Workers)
      const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => new URL(m[1] as string, "http://proxy.test/docs"));
      let loaded = html;
      for (const script of scripts) {
        expect(script.origin, script.href).toBe("http://proxy.test");
        const res = await request(script.pathname);
        expect(res.status, script.href).toBe(200);
        loaded += await res.text();
      }
      if (scripts.length === 0) expect(html).toContain("<code>/embed</code>");
      expect(loaded).toContain("openapi.json");
    });
  });

  describe("POST /embed", () => {
    it("replays the original README example", async () => {
      const res = await request("/embed", postJson({ texts: ["hello world"] }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { embeddings: number[][]; model: string; dimensions: number };
      expect(Object.keys(body).sort()).toEqual(["dimensions", "embeddings", "model"]);
      expect(body.model).toBe(FIXTURE_MODELS.embed);
      expect(body.dimensions).toBe(32);
      expect(body.embeddings).toHaveLength(1);
      const norm = Math.hypot(...(body.embeddings[0] as number[]));
      expect(Math.abs(norm - 1)).toBeLessThan(1e-5);
    });

    it("matches sentence-transformers on every golden text in one batch", async () => {
      const texts = embedGoldens.cases.map((c) => c.text);
      const res = await request("/embed", postJson({ texts, model: FIXTURE_MODELS.embed }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { embeddings: number[][] };
      embedGoldens.cases.forEach((c, i) => expectClose(body.embeddings[i] as number[], c.embedding));
    });

    it("accepts JSON media types in any case, with a UTF-8 charset by any of its names", async () => {
      for (const type of ['Application/JSON; Charset="UTF-8"', "application/json;charset=utf8", "application/vnd.api+json"]) {
        const res = await request("/embed", typed(type, { texts: ["hello"] }));
        expect(res.status, type).toBe(200);
        expect(((await res.json()) as { dimensions: number }).dimensions).toBe(32);
      }
    });

    it("accepts the model's Hugging Face id and names the model as the request did", async () => {
      for (const model of [FIXTURE_MODELS.embedHubId, FIXTURE_MODELS.embedHubId.toUpperCase(), FIXTURE_MODELS.embed]) {
        const res = await request("/embed", postJson({ texts: ["hi"], model }));
        expect(res.status, model).toBe(200);
        expect(((await res.json()) as { model: string }).model).toBe(model);
      }
    });

    it("refuses any other prefix before the model's name", async () => {
      for (const model of [`http://evil/${FIXTURE_MODELS.embed}`, `sentence-transformers/${FIXTURE_MODELS.embed}`, `/${FIXTURE_MODELS.embed}`]) {
        const res = await request("/embed", postJson({ texts: ["hi"], model }));
        expect(res.status, model).toBe(422);
        expect(await res.json()).toMatchObject({ code: "unknown_model", served_models: [FIXTURE_MODELS.embed] });
      }
    });

    it("quotes at most 100 characters of an unknown model name, and offers no export for a non-hub name", async () => {
      const model = `evil/${"x".repeat(60_000)}`;
      const res = await request("/embed", postJson({ texts: ["hi"], model }));
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; detail: string; export_command?: string };
      expect(body.code).toBe("unknown_model");
      expect(body.detail).toContain("(60005 characters)");
      expect(body.detail.length).toBeLessThan(400);
      expect(body.export_command).toBeUndefined();
    });

    it("answers no texts with no embeddings, dimensions 0 and the model, as the original v0.2.1", async () => {
      const res = await request("/embed", postJson({ texts: [] }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ embeddings: [], model: FIXTURE_MODELS.embed, dimensions: 0 });
      const unknown = await request("/embed", postJson({ texts: [], model: "no-such-model" }));
      expect(unknown.status).toBe(422);
    });

    it("refuses a model that is not served (the README's model override) and lists those that are", async () => {
      const res = await request(
        "/embed",
        postJson({ texts: ["hello world"], model: "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2" }),
      );
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; served_models: string[]; detail: string; export_command: string };
      expect(body.code).toBe("unknown_model");
      expect(body.served_models).toEqual([FIXTURE_MODELS.embed]);
      expect(body.detail).toContain("paraphrase-multilingual-MiniLM-L12-v2");
      expect(body.export_command).toBe("gpu-bridge-export export sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2");
      expect(body.detail).toContain(body.export_command);
    });
  });

  describe("POST /bertscore", () => {
    it("replays the original README example", async () => {
      const res = await request("/bertscore", postJson({ candidates: ["a"], references: ["b"] }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["f1", "hash", "model", "precision", "recall"]);
      for (const key of ["precision", "recall", "f1"]) expect(body[key]).toHaveLength(1);
      expect(body.model).toBe(FIXTURE_MODELS.bertscore);
    });

    for (const [goldens, model] of [
      [bertscoreGoldens, FIXTURE_MODELS.bertscore],
      [bertscoreBertGoldens, FIXTURE_MODELS.bertscoreBert],
    ] as const) {
      for (const c of goldens.cases) {
        it(`matches bert_score on ${model} / ${c.name}`, async () => {
          const multi = c.refs.some((refs) => refs.length > 1);
          const res = await request(
            "/bertscore",
            postJson({
              candidates: c.cands,
              references: multi ? c.refs : c.refs.map((refs) => refs[0]),
              model_type: model,
              idf: c.idf,
              rescale_with_baseline: c.rescale_with_baseline,
            }),
          );
          expect(res.status, await res.clone().text()).toBe(200);
          const body = (await res.json()) as { precision: number[]; recall: number[]; f1: number[]; hash: string; model: string };
          expectClose(body.precision, c.P);
          expectClose(body.recall, c.R);
          expectClose(body.f1, c.F);
          expect(body.hash).toBe(c.hash);
          expect(body.model).toBe(model);
        });
      }
    }

    it("answers null where bert_score gives NaN (idf over a single reference) and F1 0, as the schema says", async () => {
      // bert_score 0.3.13, score(idf=True, batch_size=1) on the committed tiny-bert (num_layers 3):
      // P 0.91229498, R nan, F 0 for the first pair; P nan, R nan, F 0 for identical texts.
      const cases = [
        { candidates: ["a cat sat on a mat"], references: ["the dog ran in the park"], P: 0.91229498, R: null },
        { candidates: ["the cat sat"], references: ["the cat sat"], P: null, R: null },
      ];
      for (const c of cases) {
        const res = await request(
          "/bertscore",
          postJson({ candidates: c.candidates, references: c.references, model_type: FIXTURE_MODELS.bertscoreBert, idf: true }),
        );
        expect(res.status).toBe(200);
        const body = BertscoreResponseSchema.parse(await res.json());
        expect(body.recall).toEqual([c.R]);
        expect(body.f1).toEqual([0]);
        if (c.P === null) expect(body.precision).toEqual([null]);
        else expectClose(body.precision as number[], [c.P]);
      }
    });

    // The Unicode corpus (test/fixtures/goldens/bertscore-unicode-corpus.json): bert_score's default tokenizer,
    // the slow one, at Unicode 15.0.0, and use_fast_tokenizer, each with its hash.
    for (const [model, served, name, useFast] of [
      [FIXTURE_MODELS.bertscoreBert, "bertscore-tiny-bert", "candidates-1", undefined],
      [FIXTURE_MODELS.bertscore, "bertscore", "candidates-1-fast", true],
    ] as const) {
      it(`tokenizes as bert_score${useFast ? " with use_fast_tokenizer" : " by default"}: ${model} on the Unicode corpus`, async () => {
        const c = corpusCase(served, name);
        const res = await request(
          "/bertscore",
          postJson({
            candidates: c.cands,
            references: c.refs.map((refs) => refs[0]),
            model_type: model,
            ...(useFast === undefined ? {} : { use_fast_tokenizer: useFast }),
          }),
        );
        expect(res.status, await res.clone().text()).toBe(200);
        const body = BertscoreResponseSchema.parse(await res.json());
        const expected = c.unicode_15 ?? c; // these cases have no empty candidate: no null (NaN) score
        expectClose(body.precision as number[], expected.P as number[]);
        expectClose(body.recall as number[], expected.R as number[]);
        expectClose(body.f1, expected.F as number[]);
        expect(body.hash).toBe(c.hash);
        expect(body.hash.endsWith("_fast-tokenizer")).toBe(useFast === true);
      });
    }

    it("refuses the original README's model override when it is not served", async () => {
      const res = await request(
        "/bertscore",
        postJson({ candidates: ["a"], references: ["b"], model_type: "microsoft/deberta-xlarge-mnli" }),
      );
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; served_models: string[] };
      expect(body.code).toBe("unknown_model");
      expect([...body.served_models].sort()).toEqual([FIXTURE_MODELS.bertscoreBert, FIXTURE_MODELS.bertscore].sort());
    });

    it("reads an empty lang as en, as the original (the rescale baseline is the en one)", async () => {
      const scores = async (lang: string) => {
        const res = await request(
          "/bertscore",
          postJson({ candidates: ["the cat sat"], references: ["a cat sat down"], lang, rescale_with_baseline: true }),
        );
        expect(res.status, lang).toBe(200);
        return (await res.json()) as { f1: number[]; hash: string };
      };
      const [empty, en] = [await scores(""), await scores("en")];
      expect(empty).toEqual(en);
      expect(empty.hash).toMatch(/-rescaled$/);
    });

    it("answers a language whose bert_score default model is not served with the configured default", async () => {
      const scores = async (lang: string) => {
        const res = await request("/bertscore", postJson({ candidates: ["the cat sat"], references: ["a cat sat down"], lang }));
        expect(res.status, lang).toBe(200);
        return (await res.json()) as { f1: number[]; model: string; hash: string };
      };
      // bert_score would use bert-base-multilingual-cased for de (its lang2model); the fixtures do not serve it
      const [de, en] = [await scores("de"), await scores("en")];
      expect(de.model).toBe(FIXTURE_MODELS.bertscore);
      expect(de).toEqual(en);
    });

    it("refuses candidates and references of different length with 400, as the original", async () => {
      const res = await request("/bertscore", postJson({ candidates: ["a", "b"], references: ["c"] }));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "length_mismatch", detail: expect.stringContaining("equal length") });
    });

    it("refuses a rescale for a model without a baseline with its own code (422 no_rescale_baseline)", async () => {
      const res = await request(
        "/bertscore",
        postJson({ candidates: ["a"], references: ["b"], model_type: FIXTURE_MODELS.bertscoreBert, rescale_with_baseline: true }),
      );
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        code: "no_rescale_baseline",
        detail: expect.stringContaining("no rescale baseline for tiny-bert lang en"),
      });
    });
  });

  describe("POST /v1/embeddings (OpenAI)", () => {
    it("answers OpenAI's shape for a single string", async () => {
      const res = await request("/v1/embeddings", postJson({ input: "hello world", model: FIXTURE_MODELS.embed }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { data: Record<string, unknown>[] };
      expect(Object.keys(body).sort()).toEqual(["data", "model", "object", "usage"]);
      expect(body.object).toBe("list");
      expect(body.model).toBe(FIXTURE_MODELS.embed);
      expect(body.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
      expect(body.data).toHaveLength(1);
      expect(Object.keys(body.data[0] as object).sort()).toEqual(["embedding", "index", "object"]);
      expect(body.data[0]).toMatchObject({ object: "embedding", index: 0 });
      expect(body.data[0]?.embedding).toHaveLength(32);
    });

    it("returns base64 float32 that decodes to the float answer, for each input in order", async () => {
      const input = embedGoldens.cases.slice(0, 3).map((c) => c.text);
      const floats = (await (await request("/v1/embeddings", postJson({ input }))).json()) as {
        data: { index: number; embedding: number[] }[];
      };
      const b64 = (await (await request("/v1/embeddings", postJson({ input, encoding_format: "base64" }))).json()) as {
        data: { index: number; embedding: string }[];
      };
      expect(b64.data.map((d) => d.index)).toEqual([0, 1, 2]);
      b64.data.forEach((d, i) => {
        const bytes = Uint8Array.from(atob(d.embedding), (ch) => ch.charCodeAt(0));
        const view = new DataView(bytes.buffer);
        const decoded = Array.from({ length: bytes.length / 4 }, (_, j) => view.getFloat32(j * 4, true));
        expect(decoded).toEqual(floats.data[i]?.embedding);
        expectClose(decoded, embedGoldens.cases[i]?.embedding as number[]);
      });
    });

    it("refuses token-array input with a validation error that says token arrays are not supported", async () => {
      for (const input of [[[1, 2, 3]], [1, 2, 3]]) {
        const res = await request("/v1/embeddings", postJson({ input }));
        expect(res.status).toBe(422);
        expect(await res.json()).toMatchObject({
          code: "validation_error",
          detail: "input: token arrays are not supported: send a text or a list of texts",
        });
      }
    });

    it("reads an empty model as the default, as /embed does", async () => {
      const res = await request("/v1/embeddings", postJson({ input: "a", model: "" }));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { model: string }).model).toBe(FIXTURE_MODELS.embed);
    });

    it("refuses dimensions other than the model's with 422, naming them", async () => {
      const res = await request("/v1/embeddings", postJson({ input: "a", dimensions: 7 }));
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        code: "validation_error",
        detail: `dimensions 7 is not supported: ${FIXTURE_MODELS.embed} has 32`,
        issues: [{ path: "dimensions", message: "must be 32" }],
      });
      expect((await request("/v1/embeddings", postJson({ input: "a", dimensions: 32 }))).status).toBe(200);
    });
  });

  describe("bad input", () => {
    const cases: [string, string, RequestInit, number, string][] = [
      ["invalid JSON", "/embed", { method: "POST", headers: { "content-type": "application/json" }, body: "{texts:" }, 400, "invalid_json"],
      ["text/plain body", "/embed", { method: "POST", headers: { "content-type": "text/plain" }, body: '{"texts":["a"]}' }, 415, "unsupported_media_type"],
      ["empty media type parameters", "/embed", typed("application/json;;;", { texts: ["a"] }), 415, "unsupported_media_type"],
      ["empty parameters on /bertscore", "/bertscore", typed("application/json;;;", { candidates: ["a"], references: ["b"] }), 415, "unsupported_media_type"],
      ["empty parameters on /v1/embeddings", "/v1/embeddings", typed("application/json;", { input: "a" }), 415, "unsupported_media_type"],
      ["charset latin1", "/embed", typed("application/json; charset=latin1", { texts: ["a"] }), 415, "unsupported_media_type"],
      ["charset utf-16", "/embed", typed("application/json; charset=utf-16", { texts: ["a"] }), 415, "unsupported_media_type"],
      ["unknown charset", "/v1/embeddings", typed("application/json; charset=klingon", { input: "a" }), 415, "unsupported_media_type"],
      ["no content type", "/bertscore", { method: "POST", body: new Uint8Array([123, 125]) }, 415, "unsupported_media_type"],
      ["non-string texts", "/embed", postJson({ texts: ["a", 3] }), 422, "validation_error"],
      ["texts missing", "/embed", postJson({ text: ["a"] }), 422, "validation_error"],
      ["body is an array", "/embed", postJson([["a"]]), 422, "validation_error"],
      ["empty candidates", "/bertscore", postJson({ candidates: [], references: [] }), 422, "validation_error"],
      ["empty reference list", "/bertscore", postJson({ candidates: ["a"], references: [[]] }), 422, "validation_error"],
      ["lang not a language tag", "/bertscore", postJson({ candidates: ["a"], references: ["b"], lang: "en'; rm -rf" }), 422, "validation_error"],
      ["lang of 60,000 characters", "/bertscore", postJson({ candidates: ["a"], references: ["b"], lang: "e".repeat(60_000) }), 422, "validation_error"],
      ["idf not a boolean", "/bertscore", postJson({ candidates: ["a"], references: ["b"], idf: "yes" }), 422, "validation_error"],
      [
        "use_fast_tokenizer not a boolean",
        "/bertscore",
        postJson({ candidates: ["a"], references: ["b"], use_fast_tokenizer: "yes" }),
        422,
        "validation_error",
      ],
      ["too many texts", "/embed", postJson({ texts: Array.from({ length: 101 }, () => "a") }), 413, "too_many_items"],
      ["too many references", "/bertscore", postJson({ candidates: ["a"], references: [Array.from({ length: 101 }, () => "b")] }), 413, "too_many_items"],
      ["text too long", "/embed", postJson({ texts: ["x".repeat(10_001)] }), 413, "text_too_long"],
      ["body over MAX_BODY_BYTES", "/embed", postJson({ texts: ["x".repeat(70_000)] }), 413, "body_too_large"],
      ["bad encoding_format", "/v1/embeddings", postJson({ input: "a", encoding_format: "int8" }), 422, "validation_error"],
    ];
    for (const [name, path, init, status, code] of cases) {
      it(`${name} → ${status} ${code}`, async () => {
        const res = await request(path, init);
        expect(res.status).toBe(status);
        const body = (await res.json()) as { code: string; detail: string };
        expect(body.code).toBe(code);
        expect(body.detail.length).toBeGreaterThan(0);
        expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/); // no stack traces
      });
    }

    it("a validation error names the failing field", async () => {
      const res = await request("/embed", postJson({ texts: ["a", 3] }));
      const body = (await res.json()) as { issues: { path: string; message: string }[] };
      expect(body.issues.map((i) => i.path)).toEqual(["texts.1"]);
    });
  });
}
