/**
 * Model names from requests are matched against what the upstream serves; only names from its repository index
 * ever reach an upstream URL. Checked on the access log of a real KServe v2 server in front of the runtime.
 */
import { describe, expect, it } from "vitest";
import { startProxy } from "../node/server.js";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { useGatedProxy } from "@gpu-bridge/test-support/gated-proxy";

const gated = useGatedProxy((TRITON_URL) => startProxy({ ...FIXTURE_ENV, TRITON_URL, PORT: "0" }));

const TRICKS = [
  "../repository/index",
  "..%2Frepository%2Findex",
  "%2e%2e/repository/index",
  "%2e%2e%2frepository%2findex",
  "tiny-bert/../../repository/models/tiny-bert/load",
  "tiny-bert%2F..%2F..%2Frepository%2Fmodels%2Ftiny-bert%2Funload",
  "repository",
  "load",
  "unload",
  "embed",
  "device_info",
  "bertscore",
  "tiny-roberta/../../repository/models/embed/unload",
  "tiny-bert?x=1",
  "tiny-bert#frag",
  " tiny-bert/x",
];

/** Every request the upstream may see from the proxy: index, configs and inference of indexed models. */
const ALLOWED = new RegExp(
  "^(GET /v2/health/ready|GET /v2|POST /v2/repository/index" +
    "|GET /v2/models/(embed|bertscore|bertscore-tiny-bert|device_info|tiny-bert|tiny-roberta)/config" +
    "|POST /v2/models/(embed|bertscore|bertscore-tiny-bert|device_info)/infer)$",
);

describe("model routing", () => {
  it("never lets a requested model name reach an upstream URL", async () => {
    for (const model of TRICKS) {
      const embed = await fetch(`${gated.proxy.url}/embed`, postJson({ texts: ["a"], model }));
      expect(embed.status, model).toBe(422);
      expect(((await embed.json()) as { code: string }).code).toBe("unknown_model");
      const openai = await fetch(`${gated.proxy.url}/v1/embeddings`, postJson({ input: "a", model }));
      expect(openai.status, model).toBe(422);
      const score = await fetch(`${gated.proxy.url}/bertscore`, postJson({ candidates: ["a"], references: ["b"], model_type: model }));
      expect(score.status, model).toBe(422);
    }
    expect(gated.upstream.accessLog.length).toBeGreaterThan(0);
    for (const entry of gated.upstream.accessLog) {
      expect(entry).toMatch(ALLOWED);
      expect(entry).not.toMatch(/\.\.|%2e|%2f|load/i);
    }
  });

  it("does not proxy KServe paths of its own", async () => {
    const before = gated.upstream.accessLog.length;
    for (const path of ["/v2/repository/index", "/v2/repository/models/embed/unload", "/v2/models/embed/infer", "/embed/../v2/repository/index"]) {
      const res = await fetch(`${gated.proxy.url}${path}`, postJson({}));
      expect(res.status, path).toBe(404);
    }
    expect(gated.upstream.accessLog.slice(before)).toEqual([]);
  });

  it("routes served names to their model (tiny-bert for BERTScore goes to bertscore-tiny-bert) and echoes the name", async () => {
    const before = gated.upstream.accessLog.length;
    const res = await fetch(`${gated.proxy.url}/bertscore`, postJson({ candidates: ["a"], references: ["b"], model_type: "TINY-BERT" }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe("TINY-BERT");
    expect(gated.upstream.accessLog.slice(before)).toContain("POST /v2/models/bertscore-tiny-bert/infer");
  });

  it("suggests an export command only for names that can be exported: org/name ids and the catalogue's", async () => {
    const cases: [string, string | undefined][] = [
      ["text-embedding-3-small", undefined],
      ["sentence-transformers/all-mpnet-base-v2", "gpu-bridge-export export sentence-transformers/all-mpnet-base-v2"],
      ["roberta-large", "gpu-bridge-export export roberta-large"],
    ];
    for (const [model, command] of cases) {
      const res = await fetch(`${gated.proxy.url}/v1/embeddings`, postJson({ input: "a", model }));
      expect(res.status, model).toBe(422);
      const body = (await res.json()) as { code: string; detail: string; export_command?: string };
      expect(body.code).toBe("unknown_model");
      expect(body.export_command, model).toBe(command);
      if (!command) expect(body.detail).toMatch(/full id \(org\/name\)/);
    }
  });
});

describe("default models", () => {
  it("uses another served BERTScore model when MODEL_BERTSCORE is not served, and says so in /info", async () => {
    const fallback = await startProxy({ ...FIXTURE_ENV, MODEL_BERTSCORE: "roberta-large", TRITON_URL: gated.upstream.url, PORT: "0" });
    try {
      const info = (await (await fetch(`${fallback.url}/info`)).json()) as { bertscore_model: string; notes: string[] };
      expect(info.bertscore_model).toBe("tiny-roberta");
      expect(info.notes).toEqual(["bertscore model roberta-large is not served; using tiny-roberta"]);
      for (const body of [
        { candidates: ["a"], references: ["b"] },
        { candidates: ["a"], references: ["b"], model_type: "" },
      ]) {
        const res = await fetch(`${fallback.url}/bertscore`, postJson(body));
        expect(res.status).toBe(200);
        expect(((await res.json()) as { model: string }).model).toBe("tiny-roberta");
      }
    } finally {
      await fallback.close();
    }
  });

  it("never lets another model stand in for one the request names, even the configured default", async () => {
    const fallback = await startProxy({ ...FIXTURE_ENV, MODEL_BERTSCORE: "roberta-large", TRITON_URL: gated.upstream.url, PORT: "0" });
    try {
      for (const model_type of ["roberta-large", "FacebookAI/roberta-large"]) {
        const res = await fetch(`${fallback.url}/bertscore`, postJson({ candidates: ["a"], references: ["b"], model_type }));
        expect(res.status).toBe(422);
        expect(await res.json()).toMatchObject({
          code: "unknown_model",
          served_models: ["tiny-roberta", "tiny-bert"],
          export_command: `gpu-bridge-export export ${model_type}`,
        });
      }
    } finally {
      await fallback.close();
    }
  });
});
