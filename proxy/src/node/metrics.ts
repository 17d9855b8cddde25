/** Prometheus metrics on Node with prom-client (kept out of the Workers bundle). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "../app/types.js";
import type { WorkerStats } from "@gpu-bridge/runtime";
import type { ConnectionCounters } from "./connection-guard.js";

export function createPromMetrics(): Metrics & { registry: Registry } {
  const registry = new Registry();
  const requests = new Counter({
    name: "gpu_bridge_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "gpu_bridge_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 65],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "gpu_bridge_http_requests_in_flight",
    help: "HTTP requests being handled",
    registers: [registry],
  });
  const slots = new Gauge({
    name: "gpu_bridge_upstream_in_flight",
    help: "Requests admitted to the upstreams (holding GPU_MAX_TEXTS_IN_FLIGHT / GPU_MAX_CONCURRENT admission)",
    registers: [registry],
  });
  const perUpstream = new Gauge({
    name: "gpu_bridge_upstream_calls_in_flight",
    help: "Calls in flight per upstream, by its position in TRITON_URL (0 = first)",
    labelNames: ["upstream"] as const,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: "gpu_bridge_upstream_errors_total",
    help: "Failed upstream calls by kind (unreachable, timeout, rejected, unavailable, bad_response, aborted)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  return {
    registry,
    requestStarted: () => inFlight.inc(),
    requestFinished: ({ method, route, status }, seconds) => {
      inFlight.dec();
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    slotsInUse: (count) => slots.set(count),
    upstreamError: (kind) => upstreamErrors.inc({ kind }),
    upstreamInFlight: (upstream, count) => perUpstream.set({ upstream: String(upstream) }, count),
    render: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  };
}

/** Client connections Node's server closed before a request was answered (connection-guard.ts). */
export function registerConnectionMetrics(registry: Registry): ConnectionCounters {
  const refused = new Counter({
    name: "gpu_bridge_http_connections_refused_total",
    help: "Client connections closed as they were accepted, by the limit they met (per_client: HTTP_MAX_CONNECTIONS_PER_CLIENT, max_connections: HTTP_MAX_CONNECTIONS)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const timedOut = new Counter({
    name: "gpu_bridge_http_connections_timed_out_total",
    help: "Client connections closed with 408 because a request's headers or body did not arrive in time (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)",
    registers: [registry],
  });
  return { refused: (reason) => refused.inc({ reason }), timedOut: () => timedOut.inc() };
}

/** The embedded runtime's workers, read from `stats` at each scrape. */
export function registerRuntimeMetrics(registry: Registry, stats: () => WorkerStats): void {
  new Gauge({
    name: "gpu_bridge_runtime_workers",
    help: "Embedded runtime: inference worker threads by state (idle, busy, starting)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(stats().workers)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "gpu_bridge_runtime_queued_jobs",
    help: "Embedded runtime: inferences waiting for a worker",
    registers: [registry],
    collect() {
      this.set(stats().queued);
    },
  });
  new Gauge({
    name: "gpu_bridge_runtime_abandoned_jobs",
    help: "Embedded runtime: inferences held by a worker whose caller has gone (deadline or disconnect); each ends before it starts or at its next encoder run",
    registers: [registry],
    collect() {
      this.set(stats().abandoned);
    },
  });
  new Counter({
    name: "gpu_bridge_runtime_jobs_total",
    help: "Embedded runtime: inferences by outcome (done, dropped before start, cancelled while running, finishedUnwanted, crashed)",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(stats().jobs)) this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: "gpu_bridge_runtime_worker_restarts_total",
    help: "Embedded runtime: inference workers started again after one exited",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().restarts);
    },
  });
}
