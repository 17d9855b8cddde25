/** The proxy on Node: the shared app with a keep-alive upstream pool (or the embedded runtime) and prom-client. */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp, type GpuBridgeApp } from "../app/app.js";
import { parseConfig } from "../app/config.js";
import type { LogSink } from "../app/types.js";
import type { FetchFn } from "../kserve/client.js";
import { closeWhenBodyUnread } from "./close-unread.js";
import { EMBEDDED_URL, startEmbedded } from "./embedded.js";
import { createPromMetrics } from "./metrics.js";
import { keepAliveFetch } from "./upstream-fetch.js";

export interface NodeAppOptions {
  /** Replaces the default JSON-lines stdout log (tests pass a collector or nothing). */
  log?: LogSink;
  /** Wraps the upstream fetch (tests record what reaches the upstream). */
  wrapFetch?: (fetch: FetchFn) => FetchFn;
}

export interface NodeApp extends GpuBridgeApp {
  fetch: (request: Request) => Promise<Response>;
  close(): Promise<void>;
}

export async function createNodeApp(env: Record<string, string | undefined>, options: NodeAppOptions = {}): Promise<NodeApp> {
  const config = parseConfig(env);
  const embedded = config.TRITON_URL.length === 0;
  const upstream = embedded
    ? await startEmbedded(config.MODEL_REPOSITORY)
    : keepAliveFetch(Math.max(config.GPU_MAX_CONCURRENT * 2, 8));
  const fetch = options.wrapFetch ? options.wrapFetch(upstream.fetch) : upstream.fetch;
  const gpuBridge = createApp({
    config,
    upstreamUrls: embedded ? [EMBEDDED_URL] : config.TRITON_URL,
    fetch,
    backend: embedded ? "embedded" : "triton",
    metrics: createPromMetrics(),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    ...gpuBridge,
    fetch: async (request) => gpuBridge.app.fetch(request),
    close: () => upstream.close(),
  };
}

export interface RunningProxy extends NodeApp {
  url: string;
  port: number;
  server: ServerType;
}

export async function startProxy(env: Record<string, string | undefined>, options: NodeAppOptions = {}): Promise<RunningProxy> {
  const nodeApp = await createNodeApp(env, options);
  const { HOST, PORT } = nodeApp.services.config;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const fetch = closeWhenBodyUnread((request, env) => nodeApp.app.fetch(request, env));
    const s = serve({ fetch, hostname: HOST, port: PORT }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = HOST.includes(":") ? `[${HOST}]` : HOST;
  return {
    ...nodeApp,
    server,
    port,
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await nodeApp.close();
    },
  };
}
