/**
 * The embedded runtime's inference, off the HTTP event loop: worker threads that each hold their own onnxruntime
 * sessions, fed from one queue.
 *
 * Why worker threads rather than the runtime's own KServe server as a child process (both measured on 2 shared
 * cores, issue #11):
 * - the child's event loop runs the inference itself, so its health and metadata answers wait behind it: the
 *   proxy's /health took 2-4 s under load through such a child (here 7-60 ms). A child would need these threads
 *   too, plus an HTTP hop;
 * - per request (tiny test models, one text at a time, CPU of proxy and runtime together): 2.2 ms in process,
 *   2.4-2.6 ms with a worker, 2.8-3.2 ms with a child over loopback HTTP;
 * - memory: one process of 230-250 MB against 275 MB for proxy and child together (tiny models);
 * - cancellation: a message the worker reads before its next encoder run, against a closed connection;
 * - crash isolation is the child's one advantage: a native crash in onnxruntime ends the whole proxy here, and
 *   so does terminating a worker inside an onnxruntime run (onnxruntime-node throws from native code), so a run
 *   is never forced to stop. A worker that exits is recovered: its request fails (502), queued requests go to the
 *   other workers or get 503 while none is up, and the worker is started again.
 *
 * A request's slot (the proxy's limiter) is its caller's: when the caller's deadline passes or it goes away, the
 * job is dropped if it has not started, or its worker is told to stop before its next encoder run. A run already
 * inside onnxruntime cannot be interrupted; the worker finishes that run, throws the result away and takes the next
 * job, so a new request may wait here for up to one encoder run of an abandoned one.
 */
import { availableParallelism } from "node:os";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { internal, KServeError, unavailable } from "@gpu-bridge/kserve/errors";
import type { Parameters, Tensor } from "@gpu-bridge/kserve/types";
import type { SessionOptions } from "./encoder.js";
import type { FromWorker, ToWorker, WorkerManifest, WorkerSettings } from "./worker-protocol.js";

export interface InferenceWorkersOptions extends SessionOptions {
  repository: string;
  /** Worker threads, each with its own sessions (default 1). */
  workers?: number;
  log?: (message: string) => void;
}

/** How jobs ended, counted since start. */
export interface JobCounts {
  /** Answered (results or a model's error). */
  done: number;
  /** The caller went away before a worker took it: never started. */
  dropped: number;
  /** The caller went away while it ran: stopped before its next encoder run. */
  cancelled: number;
  /** The caller went away while it ran, and its last encoder run finished it anyway. */
  finishedUnwanted: number;
  /** Its worker exited while running it. */
  crashed: number;
}

export interface WorkerStats {
  workers: { idle: number; busy: number; starting: number };
  queued: number;
  /** Jobs held by a worker whose caller has gone (the caller's slot is free already): each ends before it starts or at its next encoder run. */
  abandoned: number;
  jobs: JobCounts;
  restarts: number;
}

interface Job {
  id: number;
  model: string;
  inputs: Tensor[];
  parameters: Parameters;
  resolve: (outputs: Tensor[]) => void;
  reject: (err: unknown) => void;
  /** The caller went away; its worker was told to stop. */
  abandoned: boolean;
  detach: () => void;
  /** Its share of a batch (BATCHES_PER_WORKER). */
  weight: number;
}

interface Slot {
  thread: Worker | undefined;
  state: "starting" | "up" | "stopped";
  /** Sent to this worker and not yet answered, oldest (running) first. */
  jobs: Job[];
  /** Starts in a row that ended in an exit, for the restart delay. */
  failures: number;
}

/**
 * Batches a worker holds at once: the one it runs and the next, which it starts without waiting for this thread
 * (busy, maybe, parsing another request's body). A job weighs its rows over its model's max_batch_size (a job of a
 * model that does not batch weighs one batch), so a worker holds two full-size jobs, or the one-text jobs of two
 * batches. With several workers, a job may so wait behind one other batch when another worker frees first.
 */
const BATCHES_PER_WORKER = 2;
const RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/**
 * How long close() waits for a worker to finish its onnxruntime run before terminating it; terminating a thread
 * inside a run aborts the whole process (onnxruntime-node throws from native code), so this is a last resort.
 */
const CLOSE_GRACE_MS = 60_000;

/** Where the worker's code is: compiled JavaScript beside this file, or TypeScript run through tsx. */
function workerEntry(): { entry: string | URL; options: WorkerOptions } {
  if (!import.meta.url.endsWith(".ts")) return { entry: new URL("./inference-worker.js", import.meta.url), options: {} };
  const tsx = import.meta.resolve("tsx/esm/api");
  const worker = new URL("./inference-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); })`;
  return { entry: bootstrap, options: { eval: true } };
}

/** The threads a worker's operators get when not configured: the machine's cores shared out among the workers. */
export function defaultIntraOpThreads(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

export class InferenceWorkers {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly settings: WorkerSettings;
  private readonly log: (message: string) => void;
  private readonly counts: JobCounts = { done: 0, dropped: 0, cancelled: 0, finishedUnwanted: 0, crashed: 0 };
  private nextId = 1;
  private restarts = 0;
  /** Every worker has started once: from now on one that exits is started again. */
  private started = false;
  private closed = false;
  private loaded: WorkerManifest = { models: [], skipped: [] };
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(options: InferenceWorkersOptions) {
    const workers = options.workers ?? 1;
    this.settings = {
      repository: options.repository,
      intraOpThreads: options.intraOpThreads ?? defaultIntraOpThreads(workers),
      ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}),
    };
    this.log = options.log ?? ((m) => console.warn(m));
    this.slots = Array.from({ length: workers }, () => ({ thread: undefined, state: "starting", jobs: [], failures: 0 }));
  }

  /** Starts every worker and waits until each has loaded the repository; the first failure is thrown. */
  static async start(options: InferenceWorkersOptions): Promise<InferenceWorkers> {
    const pool = new InferenceWorkers(options);
    const started = await Promise.allSettled(pool.slots.map((slot) => pool.startThread(slot)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    pool.loaded = (started[0] as PromiseFulfilledResult<WorkerManifest>).value;
    pool.started = true;
    for (const slot of pool.slots) if (slot.state === "stopped") pool.restartLater(slot);
    return pool;
  }

  /** What the workers serve (as the first one reported it). */
  get manifest(): WorkerManifest {
    return this.loaded;
  }

  /** Whether a worker is up to take jobs. */
  get ready(): boolean {
    return this.slots.some((s) => s.state === "up");
  }

  /** The worker threads (their ids, resource usage). */
  get threads(): Worker[] {
    return this.slots.flatMap((s) => (s.thread ? [s.thread] : []));
  }

  stats(): WorkerStats {
    const up = this.slots.filter((s) => s.state === "up");
    return {
      workers: {
        idle: up.filter((s) => s.jobs.length === 0).length,
        busy: up.filter((s) => s.jobs.length > 0).length,
        starting: this.slots.filter((s) => s.state === "starting").length,
      },
      queued: this.queue.length,
      abandoned: this.slots.reduce((n, s) => n + s.jobs.filter((j) => j.abandoned).length, 0),
      jobs: { ...this.counts },
      restarts: this.restarts,
    };
  }

  /**
   * Runs `model` on a worker. `signal` is the caller's: when it aborts, this settles at once with its reason and
   * the job is dropped, or stopped before its next encoder run.
   */
  infer(model: string, inputs: Tensor[], parameters: Parameters, signal?: AbortSignal): Promise<Tensor[]> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.closed) return Promise.reject(unavailable("the runtime is shutting down"));
    if (!this.ready) return Promise.reject(unavailable("the runtime's workers are restarting"));
    return new Promise<Tensor[]>((resolve, reject) => {
      const job: Job = { id: this.nextId++, model, inputs, parameters, resolve, reject, abandoned: false, detach: () => {}, weight: this.weight(model, inputs) };
      if (signal) {
        const onAbort = () => this.abandon(job, signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        job.detach = () => signal.removeEventListener("abort", onAbort);
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  private weight(model: string, inputs: Tensor[]): number {
    const maxBatch = this.loaded.models.find((m) => m.name === model)?.config.max_batch_size ?? 0;
    const rows = inputs[0]?.shape[0];
    return maxBatch > 0 && rows !== undefined ? Math.min(1, rows / maxBatch) : 1;
  }

  private abandon(job: Job, reason: unknown): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.counts.dropped += 1;
    } else {
      job.abandoned = true;
      this.slots.find((s) => s.jobs.includes(job))?.thread?.postMessage({ type: "cancel", id: job.id } satisfies ToWorker);
    }
    job.reject(reason);
  }

  private dispatch(): void {
    for (;;) {
      // the least loaded worker that has room for the next job; a job waits here rather than behind two batches
      const next = this.queue[0];
      if (!next) return;
      const load = (s: Slot) => s.jobs.reduce((sum, j) => sum + j.weight, 0);
      const slot = this.slots
        .filter((s) => s.state === "up" && (s.jobs.length === 0 || load(s) + next.weight <= BATCHES_PER_WORKER))
        .reduce<Slot | undefined>((best, s) => (!best || load(s) < load(best) ? s : best), undefined);
      const job = slot && this.queue.shift();
      if (!slot || !job) return;
      const message: ToWorker = { type: "infer", id: job.id, model: job.model, inputs: job.inputs, parameters: job.parameters };
      try {
        slot.thread?.postMessage(message);
      } catch (err) {
        job.detach();
        job.reject(internal(`cannot pass the request to a worker: ${(err as Error).message}`));
        continue;
      }
      slot.jobs.push(job);
    }
  }

  /** Starts the slot's thread; settles once it has loaded the repository (or failed to). */
  private startThread(slot: Slot): Promise<WorkerManifest> {
    const { entry, options } = workerEntry();
    const thread = new Worker(entry, { ...options, workerData: this.settings });
    slot.thread = thread;
    slot.state = "starting";
    return new Promise<WorkerManifest>((resolve, reject) => {
      thread.on("message", (message: FromWorker) => {
        switch (message.type) {
          case "ready":
            slot.state = "up";
            slot.failures = 0;
            resolve(message.manifest);
            this.dispatch();
            return;
          case "start-failed": {
            const error = new Error(message.message);
            error.name = message.name;
            reject(error);
            void thread.terminate();
            return;
          }
          case "log":
            this.log(message.message);
            return;
          default:
            this.finish(slot, message);
        }
      });
      thread.on("error", (err) => {
        this.log(`[runtime] inference worker failed: ${err.stack ?? err.message}`);
        reject(err);
      });
      thread.on("exit", (code) => {
        reject(new Error(`the inference worker exited with code ${code} before it was ready`));
        this.onExit(slot, thread, code);
      });
    });
  }

  private finish(slot: Slot, message: Extract<FromWorker, { id: number }>): void {
    const index = slot.jobs.findIndex((j) => j.id === message.id);
    const job = slot.jobs[index];
    if (!job) return;
    slot.jobs.splice(index, 1);
    job.detach();
    if (job.abandoned) {
      if (message.type !== "cancelled") this.counts.finishedUnwanted += 1;
      else this.counts[message.started ? "cancelled" : "dropped"] += 1;
    } else if (message.type === "cancelled") {
      // only a closing worker stops a job nobody cancelled
      job.reject(unavailable("the runtime is shutting down"));
    } else {
      this.counts.done += 1;
      if (message.type === "done") job.resolve(message.outputs);
      else job.reject(new KServeError(message.code, message.message));
    }
    this.dispatch();
  }

  private onExit(slot: Slot, thread: Worker, code: number): void {
    if (slot.thread !== thread) return;
    slot.thread = undefined;
    const [running, ...notStarted] = slot.jobs.splice(0);
    if (this.closed || !this.started) {
      slot.state = "stopped";
      if (running) this.fail(running, unavailable("the runtime is shutting down"));
      for (const job of notStarted) this.fail(job, unavailable("the runtime is shutting down"));
      return;
    }
    if (running) {
      this.counts.crashed += 1;
      this.fail(running, internal("the runtime's worker stopped while running this request"));
    }
    // jobs it held but had not started go back to the front of the queue (abandoned ones count as dropped)
    this.counts.dropped += notStarted.filter((job) => job.abandoned).length;
    this.queue.unshift(...notStarted.filter((job) => !job.abandoned));
    this.log(`[runtime] inference worker exited (code ${code})`);
    this.restartLater(slot);
    if (!this.ready) {
      for (const job of this.queue.splice(0)) this.fail(job, unavailable("the runtime's workers are restarting"));
    }
    this.dispatch();
  }

  /** Settles a job with an error (a caller that has gone is not told). */
  private fail(job: Job, error: KServeError): void {
    job.detach();
    if (!job.abandoned) job.reject(error);
  }

  private restartLater(slot: Slot): void {
    slot.state = "starting";
    const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** slot.failures);
    slot.failures += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      this.restarts += 1;
      this.startThread(slot).catch((err: unknown) => this.log(`[runtime] inference worker did not start: ${(err as Error).message}`));
    }, delay);
    this.timers.add(timer);
  }

  /** Stops every worker; jobs still waiting or running fail as unavailable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const job of this.queue.splice(0)) this.fail(job, unavailable("the runtime is shutting down"));
    await Promise.all(
      this.slots.map(async (slot) => {
        const thread = slot.thread;
        if (!thread) return;
        const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
        thread.postMessage({ type: "close" } satisfies ToWorker);
        const timer = setTimeout(() => void thread.terminate(), CLOSE_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
