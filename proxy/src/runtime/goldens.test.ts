/**
 * The runtime on the committed test models equals the goldens of the reference packages (sentence-transformers,
 * bert_score), in process and over real HTTP, with JSON and binary tensors.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntimeFetch, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "./index.js";
import type { BertScoreModel, EmbedModel } from "./text-models.js";
import {
  FIXTURES,
  FIXTURE_REPOSITORY,
  bertScoreInputs,
  bytes,
  floats,
  infer,
  maxAbsDiff,
  type FetchFn,
} from "./testing/kserve-test-client.js";

interface EmbedGoldens {
  max_length: number;
  cases: { text: string; input_ids: number[]; embedding: number[] }[];
}
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

const golden = <T>(name: string): T => JSON.parse(readFileSync(new URL(`goldens/${name}.json`, FIXTURES), "utf8")) as T;
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
  it.each(bertScoreGoldens)("%s (bert_score sent_encode)", (name, goldens) => {
    const model = handle.repository.models.get(name) as BertScoreModel;
    for (const c of goldens.cases) {
      for (const t of [...c.candidate_tokens, ...c.reference_tokens.flat()]) {
        expect(model.resources.tokenizer.encode(t.text), `${c.name}: ${JSON.stringify(t.text)}`).toEqual(t.ids);
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
