import { describe, expect, it } from "vitest";
import { inRowBatches, rowRanges } from "./batches.js";

describe("rowRanges", () => {
  it("cuts rows into ranges of at most max_batch_size", () => {
    expect(rowRanges(100, 64)).toEqual([
      [0, 64],
      [64, 100],
    ]);
    expect(rowRanges(128, 64)).toEqual([
      [0, 64],
      [64, 128],
    ]);
    expect(rowRanges(64, 64)).toEqual([[0, 64]]);
    expect(rowRanges(3, 0)).toEqual([[0, 3]]);
  });
});

describe("inRowBatches", () => {
  it("sends every range at once and answers in row order", async () => {
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending = inRowBatches(5, 2, async (start, end) => {
      started.push(start);
      if (start === 0) await gate; // the first finishes last
      return [start, end];
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started.sort()).toEqual([0, 2, 4]);
    release();
    expect(await pending).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });
});
