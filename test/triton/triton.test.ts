/**
 * The proxy and the model repository against a real tritonserver (CPU), one server for the whole file: the fixtures'
 * tiny models with the shipped model.py files, the encoder stand-ins, and the committed roberta-large config never
 * exported (a model that cannot load, so Triton's own ready check fails while the rest serves). Runs the proxy's
 * shared API suite over binary and JSON tensors, the Errors table against Triton and the embedded runtime, 100-item
 * requests, bert_score's slow tokenizers where they differ from the fast ones, dynamic batching, and last the
 * CI-sized chaos run with two kills and restarts of the server.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import bertscoreGoldens from "../fixtures/goldens/bertscore-tiny-bert.json" with { type: "json" };
import embedGoldens from "../fixtures/goldens/embed.json" with { type: "json" };
import { startProxy, type RunningProxy } from "@gpu-bridge/proxy/server";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { defineApiSuite, FIXTURE_ENV, postJson } from "../support/api.suite.js";
import { ERROR_CASES, SAME_OUTPUTS_CASES, SAME_OUTPUTS_ROLE, sendErrorCase, sendSameOutputsCase } from "../support/error-cases.js";
import { runChaos } from "../reliability/chaos-run.js";
import { FIXTURE_REPOSITORY } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { buildTestRepository, rootFiles } from "../support/test-repository.js";
import { startTritonServer, type TritonServer } from "../support/tritonserver.js";
import { UNICODE_CORPUS, type CorpusScores } from "../support/unicode-corpus.js";

let work: string;
let repository: string;
let triton: TritonServer;
let runtime: RuntimeHandle;
const proxies: Record<"binary" | "json", RunningProxy | undefined> = { binary: undefined, json: undefined };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "triton-suite-"));
  repository = path.join(work, "repository");
  await buildTestRepository(FIXTURE_REPOSITORY, repository, { unexported: ["roberta-large"] });
  // a model that fails to load must not stop the others (the compose stack runs Triton the same way)
  triton = await startTritonServer({ repository, args: ["--exit-on-error=false"] });
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, log: () => {} });
  for (const [tensors, binary] of [["binary", "true"], ["json", "false"]] as const) {
    proxies[tensors] = await startProxy({
      ...FIXTURE_ENV,
      TRITON_URL: triton.httpUrl,
      UPSTREAM_BINARY: binary,
      HOST: "127.0.0.1",
      PORT: "0",
    });
  }
}, 600_000);

afterAll(async () => {
  await proxies.binary?.close();
  await proxies.json?.close();
  await runtime?.close();
  await triton?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

const viaProxy = (tensors: "binary" | "json") => (route: string, init?: RequestInit) =>
  fetch(`${(proxies[tensors] as RunningProxy).url}${route}`, init);

interface ModelStats {
  inference_count: number;
  execution_count: number;
  batch_stats: { batch_size: number; compute_infer: { count: number } }[];
}

async function stats(model: string): Promise<ModelStats> {
  const body = (await (await fetch(`${triton.httpUrl}/v2/models/${model}/stats`)).json()) as { model_stats: ModelStats[] };
  return body.model_stats[0] as ModelStats;
}

for (const tensors of ["binary", "json"] as const) {
  describe(`the proxy's API suite against the real Triton, ${tensors} tensors`, () => {
    defineApiSuite(() => ({ request: viaProxy(tensors), backend: "triton" }));
  });
}

describe("readiness per model", () => {
  it("Triton's own ready check fails while roberta-large cannot load; the proxy is healthy and serves", async () => {
    expect((await fetch(`${triton.httpUrl}/v2/health/ready`)).status).toBe(400);
    expect((await fetch(`${triton.httpUrl}/v2/models/embed/ready`)).status).toBe(200);
    const health = await viaProxy("binary")("/health");
    expect(health.status).toBe(200);
    const res = await viaProxy("binary")("/embed", postJson({ texts: ["still served"] }));
    expect(res.status).toBe(200);
  });
});

describe("the model contract of triton-models/README.md (test/contract/cases.json): Triton and the embedded runtime answer alike", () => {
  const models = { embed: "embed", bertscore: "bertscore-tiny-bert", unavailable: "roberta-large", [SAME_OUTPUTS_ROLE]: "bertscore" };
  for (const errorCase of ERROR_CASES) {
    it(`${errorCase.when}: ${errorCase.status}, "${errorCase.message}"`, async () => {
      for (const binary of errorCase.json ? [true, false] : [true]) {
        const server = await sendErrorCase(fetch, triton.httpUrl, models, errorCase, binary);
        const embedded = await sendErrorCase(runtime.fetch, "http://runtime.invalid", models, errorCase, binary);
        const how = binary ? "binary" : "JSON";
        expect(server.status, `Triton, ${how}: ${server.error}`).toBe(errorCase.status);
        expect(server.error).toContain(errorCase.message);
        expect(embedded.status, `runtime, ${how}: ${embedded.error}`).toBe(errorCase.status);
        expect(embedded.error).toContain(errorCase.message);
      }
    });
  }

  for (const sameCase of SAME_OUTPUTS_CASES) {
    it(`${sameCase.when}: every spelling, the same outputs`, async () => {
      for (const [who, fetchFn, base] of [["Triton", fetch, triton.httpUrl], ["runtime", runtime.fetch, "http://runtime.invalid"]] as const) {
        const answers = await sendSameOutputsCase(fetchFn, base, models[SAME_OUTPUTS_ROLE], sameCase);
        for (const answer of answers.slice(1)) expect(answer, who).toEqual(answers[0]);
        for (const [name, expected] of Object.entries(sameCase.expect)) expect(answers[0]?.[name], who).toEqual(expected);
      }
    });
  }

  it("the proxy answers a model's refusal with 422 and its message, over binary and JSON tensors", async () => {
    for (const tensors of ["binary", "json"] as const) {
      const res = await viaProxy(tensors)(
        "/bertscore",
        postJson({ candidates: ["a"], references: ["b"], model_type: "tiny-bert", rescale_with_baseline: true }),
      );
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ code: "no_rescale_baseline", detail: "no rescale baseline for tiny-bert lang en" });
    }
  });
});

describe("100 items in one request (the original service's limit; the models take 64 and 128 rows)", () => {
  const texts = Array.from({ length: 100 }, (_, i) => embedGoldens.cases[i % embedGoldens.cases.length] as { text: string; embedding: number[] });
  // (the "long" texts, 100 times over, would pass MAX_BODY_BYTES)
  const single = bertscoreGoldens.cases.filter((c) => !c.idf && !c.rescale_with_baseline && c.name !== "long");
  // one reference each: at most 100 references in all (GPU_MAX_BATCH_SIZE counts them too)
  const rows = single.flatMap((c) =>
    c.cands.flatMap((cand, i) => {
      const refs = c.refs[i] as string[];
      return refs.length === 1 ? [{ cand, ref: refs[0] as string, P: c.P[i] as number, R: c.R[i] as number, F: c.F[i] as number }] : [];
    }),
  );
  const pairs = Array.from({ length: 100 }, (_, i) => rows[i % rows.length] as (typeof rows)[number]);

  for (const tensors of ["binary", "json"] as const) {
    it(`embeds 100 texts as sentence-transformers does (${tensors}), in calls of at most 64 rows`, async () => {
      const before = await stats("embed");
      const res = await viaProxy(tensors)("/embed", postJson({ texts: texts.map((t) => t.text) }));
      expect(res.status).toBe(200);
      const { embeddings } = (await res.json()) as { embeddings: number[][] };
      expect(embeddings).toHaveLength(100);
      embeddings.forEach((e, i) => e.forEach((v, k) => expect(Math.abs(v - (texts[i]?.embedding[k] as number))).toBeLessThan(1e-5)));
      const after = await stats("embed");
      expect(after.inference_count - before.inference_count).toBe(100);
      expect(after.execution_count - before.execution_count).toBeGreaterThanOrEqual(2);
    });

    it(`scores 100 pairs as bert_score does (${tensors})`, async () => {
      const res = await viaProxy(tensors)(
        "/bertscore",
        postJson({ candidates: pairs.map((p) => p.cand), references: pairs.map((p) => p.ref), model_type: "tiny-bert" }),
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const body = (await res.json()) as { precision: number[]; recall: number[]; f1: number[] };
      pairs.forEach((p, i) => {
        expect(Math.abs((body.precision[i] as number) - p.P)).toBeLessThan(1e-5);
        expect(Math.abs((body.recall[i] as number) - p.R)).toBeLessThan(1e-5);
        expect(Math.abs((body.f1[i] as number) - p.F)).toBeLessThan(1e-5);
      });
    });
  }

  it("scores 100 pairs with idf in one call, as the embedded runtime does", async () => {
    const request = postJson({ candidates: pairs.map((p) => p.cand), references: pairs.map((p) => p.ref), model_type: "tiny-bert", idf: true });
    const before = await stats("bertscore-tiny-bert");
    const res = await viaProxy("binary")("/bertscore", request);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await stats("bertscore-tiny-bert")).inference_count - before.inference_count).toBe(100);
    const embedded = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, HOST: "127.0.0.1", PORT: "0" });
    try {
      const expected = (await (await fetch(`${embedded.url}/bertscore`, request)).json()) as Record<string, (number | null)[]>;
      const got = (await res.json()) as Record<string, (number | null)[]>;
      for (const key of ["precision", "recall", "f1"]) {
        got[key]?.forEach((v, i) => {
          const want = expected[key]?.[i];
          if (v === null || want === null) expect(v, `${key}[${i}]`).toBe(want);
          else expect(Math.abs(v - (want as number)), `${key}[${i}]`).toBeLessThan(1e-5);
        });
      }
    } finally {
      await embedded.close();
    }
  });
});

interface DifferingRow {
  name: string;
  cand: string;
  ref: string;
  slow: number[];
  fast: number[];
  hashes: [string, string];
}

/**
 * Corpus rows (cases without idf: each row on its own) where bert_score's slow and fast tokenizers give other
 * scores, per case (a case fits one request).
 */
function slowFastDifferences(served: string): DifferingRow[][] {
  const cases = new Map((UNICODE_CORPUS.models[served]?.cases ?? []).map((c) => [c.name, c]));
  const groups: DifferingRow[][] = [];
  for (const [name, slowCase] of cases) {
    const fastCase = cases.get(`${name}-fast`);
    if (slowCase.idf || !fastCase) continue;
    const rows: DifferingRow[] = [];
    const slow = slowCase.unicode_15 ?? slowCase; // bert_score at Unicode 15.0, the version both implementations use
    slowCase.rows.forEach((row, i) => {
      const pick = (scores: CorpusScores) => [scores.P[i], scores.R[i], scores.F[i]] as number[];
      const [a, b] = [pick(slow), pick(fastCase)];
      if (a.some((v, k) => Math.abs(v - (b[k] as number)) > 1e-3)) {
        const ref = (slowCase.refs[i] as string[])[0] as string;
        rows.push({ name: UNICODE_CORPUS.row_names[row] as string, cand: slowCase.cands[i] as string, ref, slow: a, fast: b, hashes: [slowCase.hash, fastCase.hash] });
      }
    });
    if (rows.length > 0) groups.push(rows);
  }
  return groups;
}

describe("bert_score's slow tokenizers in the real Triton (bert_score_tokenizer.py and its JSON files at the repository root)", () => {
  for (const [model, served] of [
    ["tiny-bert", "bertscore-tiny-bert"],
    ["tiny-roberta", "bertscore"],
  ] as const) {
    const groups = slowFastDifferences(served);
    it(`${model}: the Unicode corpus has rows where slow and fast differ`, () => {
      const names = groups.flat().map((r) => r.name);
      expect(names.length).toBeGreaterThan(5);
      if (model === "tiny-bert") expect(names).toContain("issue-example-2B820");
    });

    for (const tensors of ["binary", "json"] as const) {
      it(`${model}: on those rows as bert_score by default and with use_fast_tokenizer (${tensors})`, async () => {
        for (const [index, useFast] of [false, true].entries()) {
          for (const rows of groups) {
            const res = await viaProxy(tensors)(
              "/bertscore",
              postJson({ candidates: rows.map((r) => r.cand), references: rows.map((r) => r.ref), model_type: model, use_fast_tokenizer: useFast }),
            );
            expect(res.status, await res.clone().text()).toBe(200);
            const body = (await res.json()) as { precision: number[]; recall: number[]; f1: number[]; hash: string };
            const wrong = rows.flatMap((row, i) =>
              [body.precision[i], body.recall[i], body.f1[i]].flatMap((got, k) => {
                const want = (useFast ? row.fast : row.slow)[k] as number;
                return Math.abs((got as number) - want) <= 1e-5 ? [] : [`${row.name} ${"PRF"[k]}: ${got} vs ${want}`];
              }),
            );
            expect(wrong, `use_fast_tokenizer ${useFast}`).toEqual([]);
            expect(body.hash).toBe(rows[0]?.hashes[index]);
          }
        }
      });
    }
  }
});

describe("a client that goes away", () => {
  it("Triton computes its call to the end, so the proxy keeps the call's slot until it settles", async () => {
    const logged: Record<string, unknown>[] = [];
    const proxy = await startProxy(
      // 48 long pairs are some 270 KB: the default MAX_BODY_BYTES, not the fixtures' 64 KiB
      { ...FIXTURE_ENV, MAX_BODY_BYTES: "", TRITON_URL: triton.httpUrl, HOST: "127.0.0.1", PORT: "0" },
      { log: (entry) => logged.push(entry) },
    );
    try {
      // long enough texts that the call is still running when its client leaves
      const text = (i: number) => Array.from({ length: 400 }, (_, j) => `word${(i * 7 + j) % 97}`).join(" ");
      // 96 texts: admitted as sent (a larger request counts as the 112 texts outside the small requests' reserve)
      const rows = 48;
      const candidates = Array.from({ length: rows }, (_, i) => text(i));
      const references = Array.from({ length: rows }, (_, i) => text(i + 1));
      const before = await stats("bertscore-tiny-bert");
      const controller = new AbortController();
      const gone = fetch(`${proxy.url}/bertscore`, { ...postJson({ candidates, references, model_type: "tiny-bert" }), signal: controller.signal }).catch(
        (err: unknown) => err,
      );
      await waitFor(() => proxy.services.jobs.list().length === 1, 30_000, "the call to hold its slot");
      controller.abort();
      await gone;
      await waitFor(() => logged.some((e) => String(e.msg).startsWith("client closed; its upstream call runs on")), 30_000, "the proxy to see the client go");
      expect(proxy.services.limiter.textsInFlight).toBe(2 * rows);
      await waitFor(() => proxy.services.jobs.list().length === 0, 110_000, "the call to settle");
      // not cancelled: Triton scored every pair of the abandoned call
      const after = await stats("bertscore-tiny-bert");
      expect(after.inference_count - before.inference_count).toBe(rows);
      expect(proxy.services.limiter.textsInFlight).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

describe("dynamic batching", () => {
  it("merges concurrent clients' requests into fewer executions (/v2/models/embed/stats)", async () => {
    const before = await stats("embed");
    const clients = 32;
    const answers = await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        fetch(`${triton.httpUrl}/v2/models/embed/infer`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ inputs: [{ name: "TEXT", datatype: "BYTES", shape: [1, 1], data: [`client ${i} says hello`] }] }),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(clients).fill(200));
    const after = await stats("embed");
    expect(after.inference_count - before.inference_count).toBe(clients);
    expect(after.execution_count - before.execution_count).toBeLessThan(clients);
    expect(after.batch_stats.some((b) => b.batch_size > 1 && b.compute_infer.count > 0)).toBe(true);
  });
});

describe("chaos at CI size against the real Triton", () => {
  it("300 requests from 12 clients, the server killed and restarted twice", async () => {
    const report = await runChaos({
      upstream: "triton",
      triton: {
        get url() {
          return triton.httpUrl;
        },
        get restarts() {
          return triton.restarts;
        },
        kill: () => triton.kill(),
        restart: () => triton.restart(),
      },
      requestsPerClientWhileDown: 3,
      backend: runtime.fetch,
      repository: FIXTURE_REPOSITORY,
      total: 300,
      concurrency: 12,
      restarts: 2,
      distinct: 40,
    });
    const problems = `problems: ${JSON.stringify(report.load.problems, null, 1)}`;
    expect.soft(report.load.hung, `hung; ${problems}`).toBe(0);
    expect.soft(report.load.transportErrors, `lost; ${problems}`).toBe(0);
    expect.soft(report.load.malformed, `malformed; ${problems}`).toBe(0);
    expect.soft(report.load.wrong, `wrong; ${problems}`).toBe(0);
    expect.soft(report.slotsInUseAfter, "slots in use after the run").toBe(0);
    expect(report.upstreamRestarts).toBe(2);
    expect(report.load.ok, "right answers").toBeGreaterThan(report.load.total / 2);
    // the outages reached the clients as errors, and the server answered again after each restart
    expect(Object.keys(report.load.byStatus).some((status) => Number(status) >= 500)).toBe(true);
    const after = await viaProxy("binary")("/embed", postJson({ texts: ["after the restarts"] }));
    expect(after.status).toBe(200);
  }, 900_000);

  it("left nothing at the repository root that Triton would take for a model (a second start came up)", async () => {
    const entries = await readdir(repository, { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    for (const folder of folders) expect(await readdir(path.join(repository, folder)), folder).toContain("config.pbtxt");
    const shared = await rootFiles();
    expect(shared).toEqual(
      expect.arrayContaining(["bertscore_model.py", "text_model_common.py", "bert_score_tokenizer.py", "bert_score_unicode.json", "bert_score_reference.json"]),
    );
    expect(entries.filter((e) => e.isFile()).map((e) => e.name).sort()).toEqual(shared);
  });
});
