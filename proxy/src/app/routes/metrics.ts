/** GET /metrics: Prometheus text exposition, where the host provides metrics (Node). */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv, Metrics } from "../types.js";

export function registerMetrics(app: OpenAPIHono<AppEnv>, metrics: Metrics): void {
  app.get("/metrics", async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType });
  });
}
