/**
 * The inference requests that hold an upstream slot right now, for GET /status (the original v0.2.1 service's
 * `active_jobs`). Per process on Node, per isolate on Workers, like the limiter.
 */

export type JobType = "embed" | "bertscore";

export interface Job {
  /** The request's X-Request-Id, so that a job can be found in the logs. */
  readonly id: string;
  readonly type: JobType;
  readonly startedAt: Date;
  /** Texts to embed, or candidates to score. */
  readonly items: number;
  /** Texts sent to the encoders (BERTScore: candidates and every padded reference row): what admission charges. */
  readonly texts: number;
  /**
   * The model as responses name it once resolved; before, the configured default when none is named, else
   * UNRESOLVED_MODEL: /status shows every client's jobs, so never a request's raw text.
   */
  model: string;
  /** 0 until the upstream has answered, then 1. */
  progress: number;
}

export type JobStart = Pick<Job, "id" | "type" | "items" | "texts" | "model">;

/** What /status names a job's model by until the name the request gave has matched a served model. */
export const UNRESOLVED_MODEL = "(resolving)";

/** A job's model before resolution: the configured default when the request names none (absent or empty). */
export function pendingModel(requested: string | undefined, configured: string): string {
  return requested === undefined || requested === "" ? configured : UNRESOLVED_MODEL;
}

export class ActiveJobs {
  private readonly jobs = new Set<Job>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Registers a job; the returned function removes it (idempotent). */
  start(start: JobStart): { job: Job; finish: () => void } {
    const job: Job = { ...start, startedAt: this.now(), progress: 0 };
    this.jobs.add(job);
    return { job, finish: () => this.jobs.delete(job) };
  }

  /** Oldest first. */
  list(): readonly Job[] {
    return [...this.jobs];
  }
}
