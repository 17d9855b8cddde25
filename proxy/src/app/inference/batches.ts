/**
 * Requests larger than a model's max_batch_size (GPU_MAX_BATCH_SIZE may allow more rows than the model takes in
 * one call): split into calls of at most max_batch_size rows, sent at once, their answers joined in order.
 */

/** `[start, end)` row ranges of at most `maxRows` rows; one range when `maxRows` is 0 (no batch dimension). */
export function rowRanges(rows: number, maxRows: number): [number, number][] {
  if (maxRows <= 0 || rows <= maxRows) return [[0, rows]];
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += maxRows) ranges.push([start, Math.min(rows, start + maxRows)]);
  return ranges;
}

/** Runs `call` on every range of `rows` at once; the results in row order. */
export function inRowBatches<T>(rows: number, maxRows: number, call: (start: number, end: number) => Promise<T>): Promise<T[]> {
  return Promise.all(rowRanges(rows, maxRows).map(([start, end]) => call(start, end)));
}
