import { describe, expect, it } from "vitest";
import { lengthSortedBatches } from "./batching.js";
import { idfWeights, maxOverReferences, normalizeRows, parseBaseline, rescale, scorePair, uniformWeights } from "./bertscore.js";

const unit = (rows: number[][]) => new Float32Array(rows.flat());

describe("greedy matching", () => {
  // tokens: [CLS]=0, content 5/6/7, [SEP]=1; 2-d embeddings, already unit length
  const cand = { ids: [0, 5, 6, 1], embeddings: unit([[1, 0], [1, 0], [0, 1], [0, 1]]) };
  const ref = { ids: [0, 7, 1], embeddings: unit([[1, 0], [0.6, 0.8], [1, 0]]) };

  it("weights content tokens only, and takes the best match of every token", () => {
    const s = scorePair(cand, ref, 2, uniformWeights([0, 1]));
    // candidate 5 -> best 1 (CLS/SEP of ref), 6 -> 0.8; reference 7 -> best 0.8
    expect(s.precision).toBeCloseTo(0.9, 6);
    expect(s.recall).toBeCloseTo(0.8, 6);
    expect(s.f1).toBeCloseTo((2 * 0.9 * 0.8) / 1.7, 6);
  });

  it("keeps each token's best match wherever it comes in the other text, not the last one", () => {
    const late = { ids: [0, 5, 6, 1], embeddings: unit([[0, 1], [0, 1], [1, 0], [1, 0]]) };
    const s = scorePair(late, ref, 2, uniformWeights([0, 1]));
    // reference 7 ([0.6, 0.8]) matches the candidate's [0, 1] tokens best (0.8), though [1, 0] ones (0.6) come last
    expect(s.recall).toBeCloseTo(0.8, 6);
    expect(s.precision).toBeCloseTo(0.9, 6);
  });

  it("normalises every row to unit length, in place", () => {
    const m = new Float32Array([3, 4, 0, -2, 1, 0]);
    expect(normalizeRows(m, 2)).toBe(m);
    expect([...m].map((x) => Number(x.toFixed(6)))).toEqual([0.6, 0.8, 0, -1, 1, 0]);
  });

  it("gives P = R = F = 0 when a text has no content tokens", () => {
    const empty = { ids: [0, 1], embeddings: unit([[1, 0], [0, 1]]) };
    expect(scorePair(empty, ref, 2, uniformWeights([0, 1]))).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(scorePair(cand, empty, 2, uniformWeights([0, 1]))).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("computes idf over references: ln((M+1)/(df+1)), unseen ln(M+1), specials 0", () => {
    const idf = idfWeights([[0, 5, 5, 1], [0, 5, 6, 1]], [0, 1]);
    expect(idf(5)).toBeCloseTo(Math.log(3 / 3));
    expect(idf(6)).toBeCloseTo(Math.log(3 / 2));
    expect(idf(9)).toBeCloseTo(Math.log(3));
    expect(idf(0)).toBe(0);
  });

  it("takes P, R and F each as its own max over references, then rescales", () => {
    const best = maxOverReferences([
      { precision: 0.9, recall: 0.5, f1: 0.6 },
      { precision: 0.7, recall: 0.8, f1: 0.75 },
    ]);
    expect(best).toEqual({ precision: 0.9, recall: 0.8, f1: 0.75 });
    const r = rescale(best, { precision: 0.5, recall: 0.6, f1: 0.5 });
    expect(r.precision).toBeCloseTo(0.8);
    expect(r.recall).toBeCloseTo(0.5);
    expect(r.f1).toBeCloseTo(0.5);
  });

  it("reads the baseline row of num_layers", () => {
    const text = "LAYER,P,R,F\n0,0.1,0.2,0.3\n1,0.4,0.5,0.6\n";
    expect(parseBaseline(text, 1)).toEqual({ precision: 0.4, recall: 0.5, f1: 0.6 });
    expect(() => parseBaseline(text, 5)).toThrow(/no row for layer 5/);
  });

  it("reads tabs, spaces, CRLF and blank lines, and refuses a file without header, numbers or the layer's row", () => {
    expect(parseBaseline("LAYER\tP\tR\tF\r\n\r\n 0\t0.1 \t0.2\t0.3\r\n1 , 0.4, 0.5 ,0.6\r\n", 1)).toEqual({ precision: 0.4, recall: 0.5, f1: 0.6 });
    expect(() => parseBaseline("", 0)).toThrow(/no LAYER,P,R,F header/);
    expect(() => parseBaseline("LAYER,P,R\n0,0.1,0.2", 0)).toThrow(/no LAYER,P,R,F header/);
    expect(() => parseBaseline("LAYER,P,R,F\n0,0.1,x,0.3\n", 0)).toThrow(/row 0 is not numeric/);
    expect(() => parseBaseline("LAYER,P,R,F\n0,0.1,0.2,0.3\n2,0.4,0.5,0.6\n", 1)).toThrow(/no row for layer 1/);
  });
});

describe("length-sorted batching", () => {
  it("groups similar lengths within the limits and covers every index once", () => {
    const lengths = [50, 3, 40, 4, 5, 60, 2];
    const batches = lengthSortedBatches(lengths, { maxBatchSize: 3, maxTokens: 120, maxPadding: 0.5 });
    // [2,3,4] pads 9 real tokens to 12; 5 then 40 would pad 45 to 80 (> 50% padding); 40,50 = 100 <= 1.5*90
    expect(batches).toEqual([[6, 1, 3], [4], [2, 0], [5]]);
    expect(batches.flat().sort()).toEqual(lengths.map((_, i) => i).sort());
  });

  it("allows a batch of exactly maxTokens and exactly maxPadding, and keeps ties in index order", () => {
    expect(lengthSortedBatches([4, 4], { maxBatchSize: 8, maxTokens: 8, maxPadding: 1 })).toEqual([[0, 1]]);
    expect(lengthSortedBatches([4, 4, 4], { maxBatchSize: 8, maxTokens: 8, maxPadding: 1 })).toEqual([[0, 1], [2]]);
    // 2 and 3 padded to 6 = (1 + 0.2) x 5 real tokens
    expect(lengthSortedBatches([3, 2], { maxBatchSize: 8, maxTokens: 100, maxPadding: 0.2 })).toEqual([[1, 0]]);
  });

  it("makes no empty batch: none for no sequences, one of its own for a sequence over maxTokens", () => {
    expect(lengthSortedBatches([])).toEqual([]);
    expect(lengthSortedBatches([50], { maxBatchSize: 8, maxTokens: 10, maxPadding: 0.2 })).toEqual([[0]]);
    expect(lengthSortedBatches([50, 1], { maxBatchSize: 8, maxTokens: 10, maxPadding: 100 })).toEqual([[1], [0]]);
  });

  it("by default cuts at 64 sequences (the largest max_batch_size served)", () => {
    expect(lengthSortedBatches(Array<number>(65).fill(1)).map((b) => b.length)).toEqual([64, 1]);
  });
});
