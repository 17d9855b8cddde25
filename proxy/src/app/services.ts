/** What the routes share: configuration, upstreams, the concurrency limiter and the hooks of the host. */
import { ApiError } from "@gpu-bridge/contract/errors";
import { UpstreamError } from "@gpu-bridge/kserve/inference";
import type { Config } from "./config.js";
import type { ActiveJobs, Job, JobStart } from "./jobs.js";
import { ConcurrencyLimiter } from "./limiter.js";
import type { Upstream, UpstreamPool } from "./upstream/pool.js";
import type { LogSink, Metrics } from "./types.js";

export type Backend = "triton" | "embedded";

export interface Services {
  config: Config;
  pool: UpstreamPool;
  limiter: ConcurrencyLimiter;
  /** The requests holding a slot (GET /status). */
  jobs: ActiveJobs;
  backend: Backend;
  metrics: Metrics | undefined;
  log: LogSink | undefined;
}

/** Texts a job sends to the encoders: what admission counts (BERTScore encodes both sides of each pair). */
export function textsOf(job: Pick<JobStart, "type" | "items">): number {
  return job.type === "bertscore" ? 2 * job.items : job.items;
}

/** The original service's answer when every slot is taken. */
export const RETRY_AFTER_SECONDS = "5";

/**
 * Runs an inference on an upstream inside a concurrency slot, listed in /status as `job` while it holds the slot.
 * The slot is released however the call ends (answer, upstream error, deadline, client disconnect), since
 * `finally` runs on every path.
 */
export async function withUpstreamSlot<T>(
  services: Services,
  signal: AbortSignal,
  job: JobStart,
  call: (upstream: Upstream, job: Job) => Promise<T>,
): Promise<T> {
  const { limiter, metrics } = services;
  const release = await limiter.acquire(textsOf(job), signal);
  if (!release) {
    if (signal.aborted) throw new ApiError("client_closed", "the client closed the request");
    throw new ApiError("busy", "GPU busy — retry later", {}, { "Retry-After": RETRY_AFTER_SECONDS });
  }
  metrics?.slotsInUse(limiter.inFlight);
  const active = services.jobs.start(job);
  try {
    const result = await services.pool.run((upstream) => call(upstream, active.job));
    active.job.progress = 1;
    return result;
  } catch (err) {
    if (err instanceof UpstreamError) {
      metrics?.upstreamError(err.kind);
      services.log?.({ time: new Date().toISOString(), level: "warn", msg: "upstream error", kind: err.kind, detail: err.message });
    }
    throw err;
  } finally {
    active.finish();
    release();
    metrics?.slotsInUse(limiter.inFlight);
  }
}
