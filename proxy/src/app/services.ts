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

/** The original service's answer when every slot is taken. */
export const RETRY_AFTER_SECONDS = "5";

/**
 * What the upstream call of a client that went away is cancelled by. The embedded runtime stops the work of a
 * cancelled call (its encoder checks before each run), so the call is cancelled and its slot freed. Triton does not:
 * the tritonserver of the test suites ran a call to the end after its HTTP client had gone (README, Admission), so
 * the call runs on, holding its slot, until it settles or UPSTREAM_TIMEOUT_MS passes; freeing the slot at once would
 * let clients that disconnect put any number of texts upstream.
 */
export function upstreamSignal(backend: Backend, clientSignal: AbortSignal): AbortSignal | undefined {
  return backend === "embedded" ? clientSignal : undefined;
}

/**
 * Runs an inference on an upstream inside a concurrency slot, listed in /status as `job` while it holds the slot.
 * `signal` is the client's: it ends the wait for a slot; the call gets what upstreamSignal gives. The slot is
 * released however the call ends (answer, upstream error, deadline, cancellation), since `finally` runs on every path.
 */
export async function withUpstreamSlot<T>(
  services: Services,
  signal: AbortSignal,
  job: JobStart,
  call: (upstream: Upstream, job: Job, signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const { limiter, metrics } = services;
  const release = await limiter.acquire(job.texts, signal);
  if (!release) {
    if (signal.aborted) throw new ApiError("client_closed", "the client closed the request");
    throw new ApiError("busy", "GPU busy — retry later", {}, { "Retry-After": RETRY_AFTER_SECONDS });
  }
  metrics?.slotsInUse(limiter.inFlight);
  const active = services.jobs.start(job);
  const callSignal = upstreamSignal(services.backend, signal);
  const onClientGone = () =>
    services.log?.({
      time: new Date().toISOString(),
      level: "info",
      msg: "client closed; its upstream call runs on and keeps its slot until it settles",
      request_id: job.id,
      texts: job.texts,
    });
  if (!callSignal) signal.addEventListener("abort", onClientGone, { once: true });
  try {
    const result = await services.pool.run((upstream) => call(upstream, active.job, callSignal));
    active.job.progress = 1;
    return result;
  } catch (err) {
    if (err instanceof UpstreamError) {
      metrics?.upstreamError(err.kind);
      services.log?.({ time: new Date().toISOString(), level: "warn", msg: "upstream error", kind: err.kind, detail: err.message });
    }
    throw err;
  } finally {
    signal.removeEventListener("abort", onClientGone);
    active.finish();
    release();
    metrics?.slotsInUse(limiter.inFlight);
  }
}
