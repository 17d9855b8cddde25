/**
 * Length-sorted batching: sequences sorted by token count and cut into sub-batches, so that a short text is
 * never padded to the length of a long one.
 */
export interface BatchLimits {
  /** Most sequences per sub-batch. */
  maxBatchSize: number;
  /** Most padded tokens (batch size x longest sequence) per sub-batch. */
  maxTokens: number;
  /** Most padding per sub-batch, as a share of its real tokens. */
  maxPadding: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBatchSize: 64, maxTokens: 8192, maxPadding: 0.2 };

/** Indices of `lengths` grouped into sub-batches of similar length (each group sorted by length). */
export function lengthSortedBatches(lengths: readonly number[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let real = 0;
  for (const index of order) {
    const length = lengths[index] as number;
    // sorted ascending, so the new sequence is the longest of the batch
    const padded = (current.length + 1) * length;
    const full = current.length >= limits.maxBatchSize || padded > limits.maxTokens;
    if (current.length > 0 && (full || padded > (1 + limits.maxPadding) * (real + length))) {
      batches.push(current);
      current = [];
      real = 0;
    }
    current.push(index);
    real += length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
