/** The proxy on Node: the shared app with a keep-alive upstream pool (or the embedded runtime) and prom-client. */
import { serve, type Http2Bindings, type HttpBindings, type ServerType } from "@hono/node-server";
import type { Server, ServerOptions } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type GpuBridgeApp } from "../app/app.js";
import { parseConfig, type Config } from "../app/config.js";
import type { LogSink } from "../app/types.js";
import type { FetchFn } from "@gpu-bridge/kserve/client";
import type { Inference } from "@gpu-bridge/kserve/inference";
import { kserveEndpoints } from "../app/upstream/endpoints.js";
import { packageDocsAssets } from "./docs-assets.js";
import { guardConnections, type ConnectionCounters } from "./connection-guard.js";
import { startEmbedded } from "./embedded.js";
import type { InferenceWorkers } from "@gpu-bridge/runtime";
import { createPromMetrics, registerConnectionMetrics, registerRuntimeMetrics } from "./metrics.js";
import { keepAliveFetch } from "./upstream-fetch.js";

type NodeHandler = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * A response sent before its request's body has arrived (413 on a declared or streamed size, 415, 401 on a POST…)
 * says `Connection: close`. Otherwise a keep-alive client sends its next request on a socket that
 * @hono/node-server drains for at most 500 ms and then destroys, and that request is lost.
 */
function closeWhenBodyUnread(handler: NodeHandler): NodeHandler {
  return async (request, env) => {
    const response = await handler(request, env);
    // `complete`: the whole message was parsed off the socket, whether or not anyone read the body.
    if (!env.incoming.complete && env.incoming.httpVersionMajor === 1) env.outgoing.setHeader("Connection", "close");
    return response;
  };
}

/** Connections per upstream for readiness probes: one probe is in flight at a time, its config reads beside it. */
const PROBE_CONNECTIONS = 2;

export interface NodeAppOptions {
  /** Replaces the default JSON-lines stdout log (tests pass a collector or nothing). */
  log?: LogSink;
  /** Wraps the upstream fetch (tests record what reaches the upstream over HTTP). */
  wrapFetch?: (fetch: FetchFn) => FetchFn;
  /** Wraps each upstream's inference and probe (tests record or stand in for the calls, the embedded runtime's too). */
  wrapInference?: (inference: Inference) => Inference;
}

export interface NodeApp extends GpuBridgeApp {
  fetch: (request: Request) => Promise<Response>;
  /** The embedded runtime's inference workers; absent with TRITON_URL. */
  runtime: InferenceWorkers | undefined;
  /** Counters of client connections the HTTP server closes early (in /metrics). */
  connections: ConnectionCounters;
  close(): Promise<void>;
}

/**
 * TRITON_URL's servers over keep-alive connections: enough for every admitted request; readiness probes get their
 * own few, so that a flood of /health against a hanging upstream cannot take the connections inference needs.
 */
function tritonUpstreams(config: Config, wrapFetch: NodeAppOptions["wrapFetch"]) {
  const admitted = Math.min(config.GPU_MAX_CONCURRENT ?? Infinity, config.GPU_MAX_TEXTS_IN_FLIGHT);
  const inference = keepAliveFetch(Math.max(admitted * 2, 8));
  const probes = keepAliveFetch(PROBE_CONNECTIONS);
  const wrap = (fetch: FetchFn) => (wrapFetch ? wrapFetch(fetch) : fetch);
  const endpoints = kserveEndpoints(config.TRITON_URL, {
    fetch: wrap(inference.fetch),
    probeFetch: wrap(probes.fetch),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    headers: config.UPSTREAM_HEADERS,
  });
  return { endpoints, close: async () => void (await Promise.all([inference.close(), probes.close()])) };
}

export async function createNodeApp(env: Record<string, string | undefined>, options: NodeAppOptions = {}): Promise<NodeApp> {
  const config = parseConfig(env);
  const embedded = config.TRITON_URL.length === 0 ? await startEmbedded(config) : undefined;
  const upstream = embedded ?? tritonUpstreams(config, options.wrapFetch);
  const { wrapInference } = options;
  const upstreams = wrapInference
    ? upstream.endpoints.map(({ inference, probe }) => ({
        inference: wrapInference(inference),
        ...(probe ? { probe: wrapInference(probe) } : {}),
      }))
    : upstream.endpoints;
  const metrics = createPromMetrics();
  if (embedded) registerRuntimeMetrics(metrics.registry, () => embedded.workers.stats());
  const connections = registerConnectionMetrics(metrics.registry);
  const gpuBridge = createApp({
    config,
    upstreams,
    backend: embedded ? "embedded" : "triton",
    metrics,
    localHostsWithoutKey: true,
    docsAssets: packageDocsAssets(),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    ...gpuBridge,
    fetch: async (request) => gpuBridge.app.fetch(request),
    runtime: embedded?.workers,
    connections,
    close: () => upstream.close(),
  };
}

export interface RunningProxy extends NodeApp {
  url: string;
  port: number;
  server: ServerType;
}

/**
 * Node's HTTP server settings from the configuration. Node checks the request and header deadlines only every
 * `connectionsCheckingInterval` (30 s by default), which would let a slow client stay that much longer.
 */
export function serverOptions(config: Config): ServerOptions {
  return {
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
  };
}

export async function startProxy(env: Record<string, string | undefined>, options: NodeAppOptions = {}): Promise<RunningProxy> {
  const nodeApp = await createNodeApp(env, options);
  const { config } = nodeApp.services;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const fetch = closeWhenBodyUnread((request, env) => nodeApp.app.fetch(request, env));
    const s = serve({ fetch, hostname: config.HOST, port: config.PORT, serverOptions: serverOptions(config) }, () => resolve(s));
    // Connections past the caps are closed as they are accepted.
    (s as Server).maxConnections = config.HTTP_MAX_CONNECTIONS;
    guardConnections(s as Server, {
      maxPerClient: config.HTTP_MAX_CONNECTIONS_PER_CLIENT,
      counters: nodeApp.connections,
      log: nodeApp.services.log,
    });
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
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
