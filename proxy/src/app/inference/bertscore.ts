/**
 * `bertscore` models: CANDIDATE [n,1], REFERENCE [n,w] padded rows, REFERENCE_COUNT [n,1] when rows differ in
 * width → PRECISION, RECALL, F1 [n,1] FP32 and HASH [n,1] BYTES (triton-models/README.md).
 */
import { ApiError } from "@gpu-bridge/contract/errors";
import { UpstreamError, type Inference } from "@gpu-bridge/kserve/inference";
import { BERTSCORE_PARAMETERS, BERTSCORE_TENSORS, isNoBaselineMessage } from "@gpu-bridge/contract/model-contract";
import type { Tensor } from "@gpu-bridge/kserve/types";
import { inRowBatches } from "./batches.js";
import { bertscoreResponseBytes, checkScores } from "./expected-output.js";
import { floats, strings, textTensor } from "./tensors.js";

export interface BertscoreInput {
  candidates: string[];
  /** References per candidate (at least one each). */
  references: string[][];
  lang: string;
  idf: boolean;
  rescaleWithBaseline: boolean;
  /** bert_score's use_fast_tokenizer: the fast tokenizer instead of the slow default. */
  useFastTokenizer: boolean;
}

export interface BertscoreScores {
  /** null where bert_score gives NaN (idf weights summing to 0; see @gpu-bridge/contract/schemas). */
  precision: (number | null)[];
  recall: (number | null)[];
  /** 0 where NaN, as bert_score does. */
  f1: number[];
  hash: string;
}

const nullWhereNaN = (value: number) => (Number.isNaN(value) ? null : value);
const zeroWhereNaN = (value: number) => (Number.isNaN(value) ? 0 : value);

/**
 * Texts one scoring sends to the encoders: each candidate, and its references padded to the widest row
 * (bertscoreTensors), so one candidate with 100 references beside 99 with one is 100 + 100 × 100.
 */
export function bertscoreTexts(references: readonly (readonly string[])[]): number {
  const width = references.reduce((widest, refs) => Math.max(widest, refs.length), 0);
  return references.length * (1 + width);
}

export function bertscoreTensors(input: BertscoreInput): Tensor[] {
  const rows = input.candidates.length;
  const width = Math.max(...input.references.map((refs) => refs.length));
  const padded = input.references.flatMap((refs) => [...refs, ...Array<string>(width - refs.length).fill("")]);
  const tensors = [
    textTensor(BERTSCORE_TENSORS.candidate, input.candidates, rows, 1),
    textTensor(BERTSCORE_TENSORS.reference, padded, rows, width),
  ];
  if (input.references.some((refs) => refs.length !== width)) {
    tensors.push({
      name: BERTSCORE_TENSORS.referenceCount,
      datatype: "INT32",
      shape: [rows, 1],
      data: Int32Array.from(input.references, (refs) => refs.length),
    });
  }
  return tensors;
}

export interface BertscoreOptions {
  binary: boolean;
  signal?: AbortSignal;
  /** The model's max_batch_size: more candidates go in several calls (never with idf, see below). */
  maxBatchSize?: number;
}

export async function scoreBertscore(
  client: Inference,
  model: string,
  input: BertscoreInput,
  options: BertscoreOptions,
): Promise<BertscoreScores> {
  const rows = input.candidates.length;
  const maxRows = options.maxBatchSize ?? 0;
  if (input.idf && maxRows > 0 && rows > maxRows) {
    // idf weights come from all references of one call: split, the scores would not be bert_score's
    throw new ApiError(
      "too_many_items",
      `candidates has ${rows} items; with idf at most ${maxRows} (the max_batch_size of model ${model}) are scored together`,
    );
  }
  const parts = await inRowBatches(rows, maxRows, (start, end) =>
    scoreBatch(
      client,
      model,
      { ...input, candidates: input.candidates.slice(start, end), references: input.references.slice(start, end) },
      options,
    ),
  );
  if (parts.length === 1) return parts[0] as BertscoreScores;
  return {
    precision: parts.flatMap((p) => p.precision),
    recall: parts.flatMap((p) => p.recall),
    f1: parts.flatMap((p) => p.f1),
    hash: (parts[0] as BertscoreScores).hash,
  };
}

async function scoreBatch(
  client: Inference,
  model: string,
  input: BertscoreInput,
  options: BertscoreOptions,
): Promise<BertscoreScores> {
  const { precision, recall, f1, hash } = BERTSCORE_TENSORS;
  const outputs = await client
    .infer(model, bertscoreTensors(input), {
    outputs: [precision, recall, f1, hash],
    parameters: {
      [BERTSCORE_PARAMETERS.idf]: input.idf,
      [BERTSCORE_PARAMETERS.rescaleWithBaseline]: input.rescaleWithBaseline,
      [BERTSCORE_PARAMETERS.lang]: input.lang,
      [BERTSCORE_PARAMETERS.useFastTokenizer]: input.useFastTokenizer,
    },
    binary: options.binary,
    maxResponseBytes: bertscoreResponseBytes(input.candidates.length),
    ...(options.signal ? { signal: options.signal } : {}),
  })
    .catch((err: unknown) => {
      if (err instanceof UpstreamError && err.kind === "rejected" && isNoBaselineMessage(err.message)) {
        throw new ApiError("no_rescale_baseline", err.message);
      }
      throw err;
    });
  const n = input.candidates.length;
  const scores = { precision: floats(outputs, precision, n), recall: floats(outputs, recall, n), f1: floats(outputs, f1, n) };
  checkScores(scores, {
    rescaled: input.rescaleWithBaseline,
    idf: input.idf,
    references: input.references.map((refs) => refs.length),
  });
  return {
    precision: Array.from(scores.precision, nullWhereNaN),
    recall: Array.from(scores.recall, nullWhereNaN),
    f1: Array.from(scores.f1, zeroWhereNaN),
    hash: strings(outputs, hash, n)[0] ?? "",
  };
}
