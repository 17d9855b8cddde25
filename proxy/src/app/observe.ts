/** One JSON log line and the metrics of each request, with its X-Request-Id. */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv, LogSink, Metrics } from "./types.js";

export function observe(log: LogSink | undefined, metrics: Metrics | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    metrics?.requestStarted();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = c.res.status === 404 && c.get("errorCode") === "not_found" ? "unmatched" : routePath(c, -1);
      const status = c.req.raw.signal.aborted ? 499 : c.res.status;
      metrics?.requestFinished({ method: c.req.method, route, status }, seconds);
      log?.({
        time: new Date().toISOString(),
        level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
        msg: "request",
        request_id: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        duration_ms: Math.round(seconds * 1e4) / 10,
        ...(c.get("errorCode") ? { code: c.get("errorCode") } : {}),
      });
    }
  };
}
