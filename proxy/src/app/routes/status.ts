/**
 * GET /status: the original v0.2.1 service's queue and active jobs, from this proxy's admission (the limiter) and
 * the requests holding a slot. Local state only: it never calls an upstream.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { StatusResponseSchema, type StatusResponse } from "@gpu-bridge/contract/schemas";
import type { Job } from "../jobs.js";
import type { ConcurrencyLimiter } from "../limiter.js";
import type { Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, SECURITY } from "./openapi-helpers.js";

const route = createRoute({
  method: "get",
  path: "/status",
  tags: ["service"],
  summary: "Queue and requests in flight",
  description: "The original service's `/status`: slots of this proxy process (per isolate on Workers) and the requests holding them.",
  security: SECURITY,
  responses: {
    200: jsonContent(StatusResponseSchema, "Queue and active jobs"),
    ...errorResponses("unauthorized"),
  },
});

/**
 * The original's semaphore read off texts-in-flight admission: `max_concurrent` is the most requests that can be in
 * flight at once (one text each), `available_slots` how many one-text requests would be admitted now.
 */
export function queueStatus(limiter: ConcurrencyLimiter): StatusResponse["queue"] {
  return {
    max_concurrent: limiter.max,
    in_flight: limiter.inFlight,
    available_slots: limiter.available,
    waiting_estimate: limiter.queued,
  };
}

function jobStatus(job: Job): StatusResponse["active_jobs"][number] {
  return {
    id: job.id,
    type: job.type,
    started_at: job.startedAt.toISOString(),
    items: job.items,
    model: job.model,
    progress: job.progress,
  };
}

export function registerStatus(app: OpenAPIHono<AppEnv>, services: Services): void {
  app.openapi(route, (c) =>
    c.json({ queue: queueStatus(services.limiter), active_jobs: services.jobs.list().map(jobStatus) }, 200),
  );
}
