/**
 * GET /health: public; `ok` when an upstream is ready, answered within HEALTH_BUDGET_MS however slow they are. It
 * reads the pool's coalesced, cached probes: a flood of it sends at most one probe per upstream per
 * HEALTH_PROBE_CACHE_MS, and never changes which upstreams inference calls use.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { HealthResponseSchema, type HealthResponse } from "@gpu-bridge/contract/schemas";
import type { Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { jsonContent } from "./openapi-helpers.js";

/** Probes and the device lookup together; a probe that is not done by then counts as not ready. */
const HEALTH_BUDGET_MS = 4000;

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Liveness and upstream readiness",
  description: "No API key needed. 503 with `status: error` when no inference server is ready.",
  responses: {
    200: jsonContent(HealthResponseSchema, "An inference server is ready"),
    503: jsonContent(HealthResponseSchema, "No inference server is ready"),
  },
});

function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

export function registerHealth(app: OpenAPIHono<AppEnv>, services: Services): void {
  app.openapi(route, async (c) => {
    const started = Date.now();
    const report = (await within(services.pool.health(), HEALTH_BUDGET_MS)) ?? { ready: false, upstreams: [] };
    const upstream = report.upstreams.find((r) => r.ready)?.upstream ?? services.pool.upstreams[0];
    let device: HealthResponse["device"] = upstream?.deviceInfo.peek()?.device ?? "cpu";
    if (report.ready && upstream) {
      const info = await within(upstream.deviceInfo.get(), HEALTH_BUDGET_MS - (Date.now() - started));
      if (info) device = info.device;
    }
    const body: HealthResponse = { status: report.ready ? "ok" : "error", device };
    return report.ready ? c.json(body, 200) : c.json(body, 503);
  });
}
