import { describe, expect, it } from "vitest";
import { MATRIX_MAX_TEXTS, summariseEmbeddings, TOP_PAIRS } from "./embedding-summary.js";

describe("summariseEmbeddings", () => {
  it("gives norms, the symmetric cosine matrix and each text's nearest neighbour", () => {
    const summary = summariseEmbeddings(
      [
        [3, 4],
        [4, 3],
        [0, -2],
      ],
      2,
    );
    expect(summary).toEqual({
      count: 3,
      dimensions: 2,
      norms: [5, 5, 2],
      similarity: [
        [1, 0.96, -0.8],
        [0.96, 1, -0.6],
        [-0.8, -0.6, 1],
      ],
      nearest: [1, 0, 1],
      nearest_similarity: [0.96, 0.96, -0.6],
    });
  });

  it("replaces the matrix by the most similar pairs beyond MATRIX_MAX_TEXTS texts", () => {
    const angles = Array.from({ length: MATRIX_MAX_TEXTS + 5 }, (_, i) => i * i * 0.01);
    const summary = summariseEmbeddings(
      angles.map((a) => [Math.cos(a), Math.sin(a)]),
      2,
    );
    expect(summary.similarity).toBeUndefined();
    expect(summary.nearest).toHaveLength(angles.length);
    expect(summary.top_pairs).toHaveLength(TOP_PAIRS);
    // angles grow quadratically apart: 0–1 is the closest pair, then 1–2
    expect(summary.top_pairs?.slice(0, 2).map(([i, j]) => [i, j])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    const values = summary.top_pairs?.map(([, , v]) => v) ?? [];
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it("finds the same nearest texts and top pairs as the full matrix, ties to the earlier index", () => {
    // coarse values so that ties occur
    const vectors = Array.from({ length: 40 }, (_, i) => [Math.round(Math.sin(i * 1.7) * 3), Math.round(Math.cos(i * 0.9) * 3), 1]);
    const dot = (a: number[], b: number[]) => a.reduce((sum, x, k) => sum + x * (b[k] as number), 0);
    const cos = (a: number[], b: number[]) => dot(a, b) / (Math.sqrt(dot(a, a)) * Math.sqrt(dot(b, b)));
    const full = vectors.map((a, i) => vectors.map((b, j) => (i === j ? -Infinity : cos(a, b))));
    const nearest = full.map((row) => row.indexOf(Math.max(...row)));
    const pairs = vectors.flatMap((_, i) => vectors.map((__, j) => [i, j, (full[i] as number[])[j] as number] as const).filter(([, j]) => j > i));
    const top = [...pairs].sort((a, b) => b[2] - a[2]).slice(0, TOP_PAIRS);
    const summary = summariseEmbeddings(vectors, 3);
    expect(summary.nearest).toEqual(nearest);
    expect(summary.top_pairs?.map(([i, j]) => [i, j])).toEqual(top.map(([i, j]) => [i, j]));
  });

  it("handles one text and none", () => {
    expect(summariseEmbeddings([[1, 0]], 2)).toEqual({ count: 1, dimensions: 2, norms: [1], similarity: [[1]] });
    expect(summariseEmbeddings([], 0)).toEqual({ count: 0, dimensions: 0, norms: [], similarity: [] });
  });
});
