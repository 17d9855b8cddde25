/**
 * BERTScore as bert_score 0.3.13 computes it one pair at a time: greedy cosine matching of L2-normalised token
 * embeddings, idf weights, per-column max over references, baseline rescaling.
 */

export interface EmbeddedText {
  ids: readonly number[];
  /** Row-major [ids.length, hidden], rows L2-normalised. */
  embeddings: Float32Array;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** Normalises each row of a [rows, hidden] matrix in place to unit L2 norm. */
export function normalizeRows(matrix: Float32Array, hidden: number): Float32Array {
  for (let offset = 0; offset < matrix.length; offset += hidden) {
    let sum = 0;
    for (let k = 0; k < hidden; k++) sum += (matrix[offset + k] as number) ** 2;
    const norm = Math.sqrt(sum);
    for (let k = 0; k < hidden; k++) matrix[offset + k] = (matrix[offset + k] as number) / norm;
  }
  return matrix;
}

/** idf over the request's references: ln((M+1)/(df+1)), df counted once per reference; specials get 0. */
export function idfWeights(references: readonly (readonly number[])[], specialIds: readonly number[]): (id: number) => number {
  const df = new Map<number, number>();
  for (const ids of references) {
    for (const id of new Set(ids)) df.set(id, (df.get(id) ?? 0) + 1);
  }
  const m = references.length;
  const specials = new Set(specialIds);
  return (id) => (specials.has(id) ? 0 : Math.log((m + 1) / ((df.get(id) ?? 0) + 1)));
}

/** Weight 1 for every token but the specials. */
export function uniformWeights(specialIds: readonly number[]): (id: number) => number {
  const specials = new Set(specialIds);
  return (id) => (specials.has(id) ? 0 : 1);
}

/** bert_score's greedy_cos_idf for one candidate/reference pair (texts include their two specials). */
export function scorePair(
  candidate: EmbeddedText,
  reference: EmbeddedText,
  hidden: number,
  weight: (id: number) => number,
): Scores {
  const nc = candidate.ids.length;
  const nr = reference.ids.length;
  const bestForCandidate = new Float64Array(nc).fill(-Infinity);
  const bestForReference = new Float64Array(nr).fill(-Infinity);
  const c = candidate.embeddings;
  const r = reference.embeddings;
  for (let i = 0; i < nc; i++) {
    const ci = i * hidden;
    for (let j = 0; j < nr; j++) {
      const rj = j * hidden;
      let dot = 0;
      for (let k = 0; k < hidden; k++) dot += (c[ci + k] as number) * (r[rj + k] as number);
      if (dot > (bestForCandidate[i] as number)) bestForCandidate[i] = dot;
      if (dot > (bestForReference[j] as number)) bestForReference[j] = dot;
    }
  }
  const weighted = (ids: readonly number[], best: Float64Array): number => {
    let total = 0;
    let sum = 0;
    ids.forEach((id, t) => {
      const w = weight(id);
      total += w;
      sum += w * (best[t] as number);
    });
    return sum / total; // NaN when no weight, as in bert_score (0/0)
  };
  let precision = weighted(candidate.ids, bestForCandidate);
  let recall = weighted(reference.ids, bestForReference);
  const f1Raw = (2 * precision * recall) / (precision + recall);
  // bert_score zeroes P and R (after computing F) when either text has only its two specials
  if (nc === 2 || nr === 2) {
    precision = 0;
    recall = 0;
  }
  return { precision, recall, f1: Number.isNaN(f1Raw) ? 0 : f1Raw };
}

/** Per-column max over references (P, R and F each on its own). */
export function maxOverReferences(scores: readonly Scores[]): Scores {
  const max = (key: keyof Scores) => scores.reduce((m, s) => (s[key] > m || Number.isNaN(s[key]) ? s[key] : m), -Infinity);
  return { precision: max("precision"), recall: max("recall"), f1: max("f1") };
}

/** A baseline row (P, R, F) of bert_score's rescale_baseline file, by layer. */
export type Baseline = Scores;

/** Parses a baseline file (`LAYER,P,R,F` header, comma or tab separated) and returns the row of `numLayers`. */
export function parseBaseline(text: string, numLayers: number): Baseline {
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => line.split(/[,\t]/).map((cell) => cell.trim()));
  const header = rows.shift();
  if (!header || header.length < 4) throw new Error("baseline file has no LAYER,P,R,F header");
  // bert_score takes the row at position num_layers (its rows are layers 0..N in order)
  const row = rows[numLayers];
  if (!row || Number(row[0]) !== numLayers) throw new Error(`baseline file has no row for layer ${numLayers}`);
  const [precision, recall, f1] = row.slice(1, 4).map(Number) as [number, number, number];
  if (![precision, recall, f1].every(Number.isFinite)) throw new Error(`baseline row ${numLayers} is not numeric`);
  return { precision, recall, f1 };
}

export function rescale(scores: Scores, baseline: Baseline): Scores {
  return {
    precision: (scores.precision - baseline.precision) / (1 - baseline.precision),
    recall: (scores.recall - baseline.recall) / (1 - baseline.recall),
    f1: (scores.f1 - baseline.f1) / (1 - baseline.f1),
  };
}
