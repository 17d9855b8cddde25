/**
 * What gpu_embed tells the model instead of the vectors: their L2 norms and how similar the texts are (cosine).
 * Sizes stay bounded by the number of texts: the full similarity matrix only up to MATRIX_MAX_TEXTS texts, beyond
 * that each text's nearest neighbour and the most similar pairs, found in one pass over the pairs that keeps only
 * those (memory grows with the texts, never with their square).
 */

/** Largest number of texts whose full n × n cosine matrix is returned. */
export const MATRIX_MAX_TEXTS = 10;
/** Most similar pairs listed when the matrix is not returned. */
export const TOP_PAIRS = 10;
/** Decimals of the norms and similarities the model sees. */
const DECIMALS = 4;

export interface EmbeddingSummary {
  /** Texts embedded. */
  count: number;
  dimensions: number;
  /** L2 norm of each vector (1 for the proxy's normalised embeddings). */
  norms: number[];
  /** Cosine similarity of every pair, `similarity[i][j]`; only up to MATRIX_MAX_TEXTS texts. */
  similarity?: number[][];
  /** For each text, the index of the other text most similar to it (two texts or more). */
  nearest?: number[];
  /** The cosine similarity to that nearest text. */
  nearest_similarity?: number[];
  /** The most similar pairs `[i, j, cosine]`, most similar first; only beyond MATRIX_MAX_TEXTS texts. */
  top_pairs?: [number, number, number][];
}

export const round = (value: number, decimals = DECIMALS): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += (a[k] as number) * (b[k] as number);
  return sum;
}

export function summariseEmbeddings(vectors: readonly (readonly number[])[], dimensions: number): EmbeddingSummary {
  const count = vectors.length;
  const norms = vectors.map((v) => Math.sqrt(dot(v, v)));
  const cosine = (i: number, j: number) => {
    const denominator = (norms[i] as number) * (norms[j] as number);
    return denominator === 0 ? 0 : dot(vectors[i] as number[], vectors[j] as number[]) / denominator;
  };
  const summary: EmbeddingSummary = { count, dimensions, norms: norms.map((n) => round(n)) };
  const matrix = count <= MATRIX_MAX_TEXTS ? vectors.map((_, i) => vectors.map((__, j) => (i === j ? 1 : 0))) : undefined;
  const nearest = new Array<number>(count).fill(-1);
  const best = new Array<number>(count).fill(-Infinity);
  // Most similar first; a pair enters only if more similar than the last kept, so ties keep the earlier pair.
  const top: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const value = cosine(i, j);
      if (matrix) (matrix[i] as number[])[j] = (matrix[j] as number[])[i] = value;
      if (nearest[i] === -1 || value > (best[i] as number)) [nearest[i], best[i]] = [j, value];
      if (nearest[j] === -1 || value > (best[j] as number)) [nearest[j], best[j]] = [i, value];
      if (!matrix && (top.length < TOP_PAIRS || value > (top[top.length - 1] as [number, number, number])[2])) {
        let at = top.length;
        while (at > 0 && (top[at - 1] as [number, number, number])[2] < value) at--;
        top.splice(at, 0, [i, j, value]);
        if (top.length > TOP_PAIRS) top.pop();
      }
    }
  }
  if (matrix) summary.similarity = matrix.map((row) => row.map((value) => round(value)));
  if (count >= 2) {
    summary.nearest = nearest;
    summary.nearest_similarity = best.map((value) => round(value));
  }
  if (!matrix) summary.top_pairs = top.map(([i, j, value]) => [i, j, round(value)]);
  return summary;
}
