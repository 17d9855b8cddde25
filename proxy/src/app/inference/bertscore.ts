/**
 * `bertscore` models: CANDIDATE [n,1], REFERENCE [n,w] padded rows, REFERENCE_COUNT [n,1] when rows differ in
 * width → PRECISION, RECALL, F1 [n,1] FP32 and HASH [n,1] BYTES (triton-models/README.md).
 */
import type { KServeClient } from "../../kserve/client.js";
import { BERTSCORE_PARAMETERS, BERTSCORE_TENSORS } from "../../kserve/model-contract.js";
import type { Tensor } from "../../kserve/types.js";
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
  /** null where bert_score gives NaN (idf weights summing to 0; see api/schemas.ts). */
  precision: (number | null)[];
  recall: (number | null)[];
  /** 0 where NaN, as bert_score does. */
  f1: number[];
  hash: string;
}

const nullWhereNaN = (value: number) => (Number.isNaN(value) ? null : value);
const zeroWhereNaN = (value: number) => (Number.isNaN(value) ? 0 : value);

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

export async function scoreBertscore(
  client: KServeClient,
  model: string,
  input: BertscoreInput,
  options: { binary: boolean; signal?: AbortSignal },
): Promise<BertscoreScores> {
  const { precision, recall, f1, hash } = BERTSCORE_TENSORS;
  const outputs = await client.infer(model, bertscoreTensors(input), {
    outputs: [precision, recall, f1, hash],
    parameters: {
      [BERTSCORE_PARAMETERS.idf]: input.idf,
      [BERTSCORE_PARAMETERS.rescaleWithBaseline]: input.rescaleWithBaseline,
      [BERTSCORE_PARAMETERS.lang]: input.lang,
      [BERTSCORE_PARAMETERS.useFastTokenizer]: input.useFastTokenizer,
    },
    binary: options.binary,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const n = input.candidates.length;
  return {
    precision: Array.from(floats(outputs, precision, n), nullWhereNaN),
    recall: Array.from(floats(outputs, recall, n), nullWhereNaN),
    f1: Array.from(floats(outputs, f1, n), zeroWhereNaN),
    hash: strings(outputs, hash, n)[0] ?? "",
  };
}
