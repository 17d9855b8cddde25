/**
 * The proxy on Cloudflare Workers: the shared app over plain fetch to TRITON_URL (HTTPS on 443, e.g. a tunnel,
 * since Workers reach neither custom ports nor gRPC). No embedded runtime and no /metrics here.
 */
import { ApiError } from "@gpu-bridge/contract/errors";
import { createApp, type GpuBridgeApp } from "../app/app.js";
import { ConfigError, parseConfig } from "../app/config.js";
import { kserveEndpoints } from "../app/upstream/endpoints.js";

type Env = Record<string, unknown>;

/** Apps by their bindings: built once per isolate, so the limiter and caches outlive a request. */
const apps = new Map<string, GpuBridgeApp>();

function configErrorResponse(message: string): Response {
  const error = new ApiError("config_error", message);
  return Response.json(error.body(), { status: error.status });
}

function bindingsKey(env: Env): string {
  return JSON.stringify(Object.entries(env).filter(([, v]) => typeof v === "string" || typeof v === "number"));
}

function appFor(env: Env): GpuBridgeApp {
  const key = bindingsKey(env);
  const existing = apps.get(key);
  if (existing) return existing;
  const config = parseConfig(env);
  if (config.TRITON_URL.length === 0) {
    throw new ConfigError("TRITON_URL is not set: on Workers the proxy needs an upstream KServe v2 server (https://...)");
  }
  const app = createApp({
    config,
    upstreams: kserveEndpoints(config.TRITON_URL, {
      fetch: (url, init) => fetch(url, init),
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      headers: config.UPSTREAM_HEADERS,
    }),
    backend: "triton",
  });
  apps.set(key, app);
  return app;
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    let gpuBridge: GpuBridgeApp;
    try {
      gpuBridge = appFor(env);
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : "invalid configuration";
      console.error(message);
      return configErrorResponse(message);
    }
    return gpuBridge.app.fetch(request);
  },
};
