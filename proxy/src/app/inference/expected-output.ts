/**
 * What an honest upstream can answer, so that a broken or lying one gets a 502 instead of a wrong 200: how many
 * bytes the outputs of a request can take (the client reads no more), and values that are finite, of a plausible
 * size, and L2-normalised where the model contract says so (triton-models/README.md).
 */
import { UpstreamError } from "@gpu-bridge/kserve/inference";

/** Widest embedding the proxy accepts; sentence-embedding models have 384 to 4096. */
export const MAX_EMBEDDING_DIMENSIONS = 8192;
/** An L2-normalised float32 vector has norm 1 to about 1e-6; fp16 models stay well within this. */
const NORM_TOLERANCE = 1e-2;
/** Room for the JSON part of an answer (model name, output names, shapes, parameters). */
const HEADER_BYTES = 64 * 1024;
/** A float32 as JSON text, `-1.2345678901234567e-05,` at the longest. */
const JSON_FLOAT_BYTES = 32;
/** One BERTScore row: P, R, F1 and bert_score's hash string (about 100 characters). */
const BERTSCORE_ROW_BYTES = 1024;

/** Most bytes an answer of `rows` embeddings can take. */
export function embedResponseBytes(rows: number, binary: boolean): number {
  return HEADER_BYTES + rows * MAX_EMBEDDING_DIMENSIONS * (binary ? 4 : JSON_FLOAT_BYTES);
}

/** Most bytes an answer of `rows` BERTScore rows can take. */
export function bertscoreResponseBytes(rows: number): number {
  return HEADER_BYTES + rows * BERTSCORE_ROW_BYTES;
}

const implausible = (what: string) => new UpstreamError("bad_response", `implausible answer: ${what}`);

/** Row-major `[rows, dimensions]` vectors: finite, non-empty, each of norm 1. */
export function checkEmbeddings(data: Float32Array, rows: number, dimensions: number): void {
  if (rows > 0 && (dimensions < 1 || dimensions > MAX_EMBEDDING_DIMENSIONS)) {
    throw implausible(`embeddings of ${dimensions} dimensions (1 to ${MAX_EMBEDDING_DIMENSIONS} expected)`);
  }
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let i = r * dimensions; i < (r + 1) * dimensions; i++) squares += (data[i] as number) ** 2;
    // A NaN or infinite element makes the sum NaN or infinite, so one comparison covers them too.
    const norm = Math.sqrt(squares);
    if (!(Math.abs(norm - 1) <= NORM_TOLERANCE)) {
      throw implausible(`embedding ${r} has norm ${norm}, not an L2-normalised finite vector`);
    }
  }
}

/**
 * Largest rescaled score: bert_score rescales each of P, R and F1 as (x - b) / (1 - b) with baselines b below 0.99,
 * so |x| stays under 200; a thousand leaves room and still refuses 1e30.
 */
const RESCALED_BOUND = 1000;
/** F1 is computed in float32 from float32 P and R: 2PR/(P+R) agrees to about 1e-6. */
const F1_TOLERANCE = 1e-3;

export interface ScoreSettings {
  rescaled: boolean;
  /** Only idf weights can sum to 0 and give bert_score's NaN. */
  idf: boolean;
  /** References per row; default one each. */
  references?: readonly number[];
}

/**
 * BERTScore P, R and F1 as bert_score gives them: finite and bounded (within [-1, 1] without rescaling: means of
 * cosine similarities), F1 = 2PR/(P+R) without rescaling (which moves each by its own baseline), and NaN only where
 * bert_score gives it: P or R with idf, F1 then NaN or 0 (bert_score's masked_fill). With several references
 * bert_score takes the best P, R and F1 each on its own, so F1 is then at most 2PR/(P+R) of those (for P, R > 0).
 */
export function checkScores(
  scores: { precision: Float32Array; recall: Float32Array; f1: Float32Array },
  { rescaled, idf, references }: ScoreSettings,
): void {
  const bound = rescaled ? RESCALED_BOUND : 1 + NORM_TOLERANCE;
  const check = (name: string, value: number, nanAllowed: boolean) => {
    if (Number.isNaN(value) ? !nanAllowed : !(Math.abs(value) <= bound)) throw implausible(`${name} ${value}`);
  };
  scores.f1.forEach((f1, i) => {
    const p = scores.precision[i] as number;
    const r = scores.recall[i] as number;
    check("precision", p, idf);
    check("recall", r, idf);
    if (Number.isNaN(p) || Number.isNaN(r)) {
      if (!(Number.isNaN(f1) || f1 === 0)) throw implausible(`F1 ${f1} where precision or recall is NaN`);
      return;
    }
    check("F1", f1, false);
    // P + R near 0 makes bert_score's own F1 NaN (then 0) or huge: nothing to compare with
    if (rescaled || Math.abs(p + r) <= F1_TOLERANCE) return;
    const harmonic = (2 * p * r) / (p + r);
    const single = (references?.[i] ?? 1) === 1;
    if (single ? Math.abs(f1 - harmonic) > F1_TOLERANCE : p > 0 && r > 0 && f1 > harmonic + F1_TOLERANCE) {
      throw implausible(`F1 ${f1} is not ${single ? "" : "at most "}2PR/(P+R) for precision ${p} and recall ${r}`);
    }
  });
}
