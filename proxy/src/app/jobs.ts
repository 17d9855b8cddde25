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
  /** The model as responses name it; the configured default until the request's model is resolved. */
  model: string;
  /** 0 until the upstream has answered, then 1. */
  progress: number;
}

export type JobStart = Pick<Job, "id" | "type" | "items" | "model">;

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
