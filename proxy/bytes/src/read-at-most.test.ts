/** The byte limit on bodies read whole: a body of exactly the limit is read, one byte more is refused and cancelled. */
import { describe, expect, it } from "vitest";
import { readAtMost, readPrefix, type ChunkReader } from "./read-at-most.js";

/** A reader over fixed chunks that records whether it was cancelled. */
function chunks(...sizes: number[]): ChunkReader & { cancelled: boolean } {
  let next = 0;
  let byte = 0;
  const parts = sizes.map((size) => Uint8Array.from({ length: size }, () => byte++ % 251));
  return {
    cancelled: false,
    async read() {
      const value = parts[next++];
      return value === undefined ? { done: true } : { done: false, value };
    },
    async cancel() {
      this.cancelled = true;
    },
  };
}

const tooLarge = () => new Error("too large");
const firstBytes = (n: number) => Array.from({ length: n }, (_, i) => i % 251);

describe("readAtMost", () => {
  it("reads a body of exactly the limit, in one chunk or several", async () => {
    for (const sizes of [[10], [3, 3, 4], [0, 10, 0], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
      const reader = chunks(...sizes);
      expect([...(await readAtMost(reader, 10, tooLarge))], String(sizes)).toEqual(firstBytes(10));
      expect(reader.cancelled).toBe(false);
    }
  });

  it("refuses a body one byte over the limit, whichever chunk crosses it, and cancels the stream", async () => {
    for (const sizes of [[11], [10, 1], [5, 6], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
      const reader = chunks(...sizes);
      await expect(readAtMost(reader, 10, tooLarge), String(sizes)).rejects.toThrow("too large");
      expect(reader.cancelled).toBe(true);
    }
  });

  it("reads an empty body under any limit, a zero limit included", async () => {
    expect([...(await readAtMost(chunks(), 0, tooLarge))]).toEqual([]);
    expect([...(await readAtMost(chunks(0), 10, tooLarge))]).toEqual([]);
    await expect(readAtMost(chunks(1), 0, tooLarge)).rejects.toThrow("too large");
  });
});

describe("readPrefix", () => {
  it("gives the first maxBytes bytes and complete: false when there was more, having cancelled the stream", async () => {
    const reader = chunks(4, 4, 4);
    const { bytes, complete } = await readPrefix(reader, 6);
    expect([...bytes]).toEqual(firstBytes(6));
    expect(complete).toBe(false);
    expect(reader.cancelled).toBe(true);
  });

  it("gives the whole stream and complete: true when it ends at the limit", async () => {
    const reader = chunks(4, 2);
    const { bytes, complete } = await readPrefix(reader, 6);
    expect([...bytes]).toEqual(firstBytes(6));
    expect(complete).toBe(true);
    expect(reader.cancelled).toBe(false);
  });
});
