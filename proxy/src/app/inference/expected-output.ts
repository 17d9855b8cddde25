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
 * BERTScore P, R and F1: finite, except the NaN bert_score itself gives (P or R where idf weights sum to 0, and
 * then F1); without rescaling P and R are means of cosine similarities, so within [-1, 1].
 */
export function checkScores(scores: { precision: Float32Array; recall: Float32Array; f1: Float32Array }, rescaled: boolean): void {
  const bound = rescaled ? Infinity : 1 + NORM_TOLERANCE;
  for (const [name, values] of [["precision", scores.precision], ["recall", scores.recall]] as const) {
    for (const value of values) {
      if (Number.isNaN(value)) continue;
      if (!Number.isFinite(value) || Math.abs(value) > bound) throw implausible(`${name} ${value}`);
    }
  }
  for (const value of scores.f1) {
    if (!Number.isNaN(value) && !Number.isFinite(value)) throw implausible(`F1 ${value}`);
  }
}
