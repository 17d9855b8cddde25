/**
 * Batching, from a request's admission to the onnxruntime run: where texts of several requests come to share one
 * encoder run, each step in the one place that can take it.
 *   1. Admission (proxy, app/limiter.ts): a request waits for its texts to fit GPU_MAX_TEXTS_IN_FLIGHT; unset
 *      GPU_MAX_CONCURRENT, one-text requests are admitted together, so that they can be batched below.
 *   2. Row splitting (proxy, app/inference/batches.ts): a request of more rows than the model's max_batch_size goes
 *      in several calls.
 *   3. The worker pool (worker-pool.ts, main thread): each call goes to the least loaded worker that holds less
 *      than two batches' worth of rows (BATCHES_PER_WORKER); the others wait there, for whichever frees first.
 *   4. The batch scheduler (BatchScheduler, below; in each worker thread): while a batch runs the calls that come
 *      wait; then every waiting call starts together, as Triton's dynamic batcher does. From idle, a model with
 *      `dynamic_batching` waits up to its max_queue_delay_microseconds for its preferred (else max_batch_size) rows.
 *   5. The encoder (encoder.ts): the encoder calls the started models make in one turn of the event loop are
 *      flushed together (bertscore tokenizes and dedupes per request first, so only the encoder sees every row).
 *   6. Length-sorted sub-batches (lengthSortedBatches, below): those sequences sorted by token count and cut, so
 *      that a short text is never padded to the length of a long one; one onnxruntime run each.
 * Steps 4 and 6 are here, apart from threads and sessions, so that each can be tested on its own.
 */
import type { BatchingPolicy } from "./model-config.js";
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

/** A call the batch scheduler holds: its model and rows decide when a batch starts. */
export interface ScheduledJob {
  id: number;
  model: string;
  rows: number;
}

/** What the scheduler needs of its thread: a clock and a timer (tests step both by hand). */
export interface SchedulerClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/**
 * Step 4: runs jobs in batches. While a batch runs, the jobs that come wait; then all the waiting jobs start
 * together. From idle, the head job of a model with a dynamic batching policy waits up to its queue delay for more
 * jobs of its model, or until they have its start rows. Each job keeps its own outcome: one that fails or is
 * cancelled leaves the others of its batch alone.
 */
export class BatchScheduler<J extends ScheduledJob> {
  private readonly waiting: { job: J; arrived: number }[] = [];
  private readonly running = new Map<number, AbortController>();
  private batch: Promise<void> | undefined;
  private timer: unknown;

  /**
   * @param run runs one job under its signal (aborted by `cancel` or `stop`); never rejects
   * @param dropped a job cancelled before it started
   */
  constructor(
    private readonly policies: ReadonlyMap<string, BatchingPolicy | undefined>,
    private readonly run: (job: J, signal: AbortSignal) => Promise<void>,
    private readonly dropped: (job: J) => void,
    private readonly clock: SchedulerClock = realClock,
  ) {}

  add(job: J): void {
    this.waiting.push({ job, arrived: this.clock.now() });
    if (this.timer !== undefined && this.waitLeft() <= 0) this.clearTimer();
    this.schedule();
  }

  /** Drops the job if it waits; else stops it before its next encoder run. */
  cancel(id: number): void {
    const index = this.waiting.findIndex((w) => w.job.id === id);
    if (index >= 0) this.dropped((this.waiting.splice(index, 1)[0] as { job: J }).job);
    else this.running.get(id)?.abort();
  }

  /** Drops what has not started, stops the running jobs before their next encoder run; settles once they have. */
  stop(): Promise<void> {
    this.clearTimer();
    this.waiting.splice(0);
    for (const controller of this.running.values()) controller.abort();
    return this.batch ?? Promise.resolve();
  }

  /** Jobs waiting for the next batch, and running in this one. */
  get counts(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running.size };
  }

  /** How long the head job may still wait for others (ms); 0 or less: start now. */
  private waitLeft(): number {
    const head = this.waiting[0] as (typeof this.waiting)[number];
    const policy = this.policies.get(head.job.model);
    if (!policy) return 0;
    const rows = this.waiting.reduce((n, w) => (w.job.model === head.job.model ? n + w.job.rows : n), 0);
    if (rows >= policy.startRows) return 0;
    return policy.maxQueueDelayMs - (this.clock.now() - head.arrived);
  }

  private schedule(): void {
    if (this.batch || this.timer !== undefined || this.waiting.length === 0) return;
    const left = this.waitLeft();
    if (left <= 0) return this.start();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      if (!this.batch && this.waiting.length > 0) this.start();
    }, left);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    const jobs = this.waiting.splice(0).map(({ job }) => {
      const controller = new AbortController();
      this.running.set(job.id, controller);
      return this.run(job, controller.signal).finally(() => this.running.delete(job.id));
    });
    this.batch = Promise.all(jobs).then(() => {
      this.batch = undefined;
      this.schedule();
    });
  }
}
