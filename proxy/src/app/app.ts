/**
 * The GPU Bridge HTTP API as one Hono app, the same on Node and Workers: the host passes configuration, the upstreams
 * (KServe v2 clients, or the embedded runtime in process), and optionally metrics and a log sink.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { ApiError } from "@gpu-bridge/contract/errors";
import { apiKeyAuth } from "./auth.js";
import type { Config } from "./config.js";
import { errorResponse, toApiError, validationFailure } from "./error-response.js";
import { hostCheck } from "./host-check.js";
import { ActiveJobs } from "./jobs.js";
import { jsonBody } from "./json-body.js";
import { ConcurrencyLimiter } from "./limiter.js";
import { observe } from "./observe.js";
import { registerBertscore } from "./routes/bertscore.js";
import { registerDocs, type DocsAssets } from "./routes/docs.js";
import { registerEmbed } from "./routes/embed.js";
import { registerHealth } from "./routes/health.js";
import { registerInfo } from "./routes/info.js";
import { registerMetrics } from "./routes/metrics.js";
import { registerOpenAIEmbeddings } from "./routes/openai-embeddings.js";
import { registerStatus } from "./routes/status.js";
import type { Backend, Services } from "./services.js";
import type { AppEnv, LogSink, Metrics } from "./types.js";
import { UpstreamPool, type UpstreamEndpoint } from "./upstream/pool.js";

export interface AppOptions {
  config: Config;
  /** TRITON_URL's servers (upstream/endpoints.ts), or the embedded runtime. */
  upstreams: UpstreamEndpoint[];
  backend: Backend;
  metrics?: Metrics;
  /** Structured log sink; default: one JSON line on stdout when LOG_REQUESTS is on. */
  log?: LogSink;
  /**
   * Without API_KEY and ALLOWED_HOSTS, answer only requests for IP addresses and localhost (host-check.ts): on
   * Node, which may listen on loopback; not on Workers, which are reached by their public name.
   */
  localHostsWithoutKey?: boolean;
  /** Swagger UI's files for /docs (Node: from the pinned package); absent, /docs is a plain page of the routes. */
  docsAssets?: DocsAssets;
}

export interface GpuBridgeApp {
  app: OpenAPIHono<AppEnv>;
  services: Services;
}

/**
 * Longest X-Request-Id taken from a client (letters, digits, `_`, `-`, `=`; else one is generated): it is echoed in
 * responses, logs and, to every client, in /status.
 */
export const MAX_REQUEST_ID_LENGTH = 64;

const stdoutLog: LogSink = (entry) => console.log(JSON.stringify(entry));

export function createApp(options: AppOptions): GpuBridgeApp {
  const { config } = options;
  const log = options.log ?? (config.LOG_REQUESTS ? stdoutLog : undefined);
  const pool = new UpstreamPool(
    options.upstreams,
    { cacheTtlMs: config.MODEL_CACHE_TTL_MS },
    {
      retryMs: config.UPSTREAM_RETRY_MS,
      probeCacheMs: config.HEALTH_PROBE_CACHE_MS,
      onFailover: (url, err) =>
        log?.({ time: new Date().toISOString(), level: "warn", msg: "upstream marked down", upstream: url, kind: err.kind }),
      onSkippedModel: (url, model, reason) =>
        log?.({ time: new Date().toISOString(), level: "warn", msg: "model skipped", upstream: url, model, reason }),
      ...(options.metrics ? { onInFlight: options.metrics.upstreamInFlight } : {}),
    },
  );
  const services: Services = {
    config,
    pool,
    limiter: new ConcurrencyLimiter({
      maxTexts: config.GPU_MAX_TEXTS_IN_FLIGHT,
      // Unset, only texts bound requests: Triton batches across requests, and so does the embedded runtime (its workers
      // run what waits as one batch, inference-worker.ts), so one-text requests must reach it together to be batched.
      maxRequests: config.GPU_MAX_CONCURRENT ?? Infinity,
      queueTimeoutMs: config.GPU_QUEUE_TIMEOUT_MS,
      reservedTexts: config.GPU_RESERVED_TEXTS,
    }),
    jobs: new ActiveJobs(),
    backend: options.backend,
    metrics: options.metrics,
    log,
  };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailure(result.error.issues);
    },
  });

  app.use(requestId({ limitLength: MAX_REQUEST_ID_LENGTH }));
  app.use(observe(log, options.metrics));
  const hosts = config.ALLOWED_HOSTS ?? (options.localHostsWithoutKey && !config.API_KEY ? "local" : undefined);
  if (hosts) app.use(hostCheck(hosts));
  if (config.API_KEY) app.use(apiKeyAuth(config.API_KEY, { publicDocs: config.DOCS_ENABLED }));
  // Body checks run before the routes, on the POST routes that declare a JSON body (filled in once they are registered).
  const jsonBodyPaths = new Set<string>();
  const readJsonBody = jsonBody({ maxBytes: config.MAX_BODY_BYTES, maxItems: config.GPU_MAX_BATCH_SIZE });
  app.on("POST", "*", (c, next) => (jsonBodyPaths.has(c.req.path) ? readJsonBody(c, next) : next()));

  registerHealth(app, services);
  registerInfo(app, services);
  registerStatus(app, services);
  registerEmbed(app, services);
  registerBertscore(app, services);
  registerOpenAIEmbeddings(app, services);
  if (config.DOCS_ENABLED) registerDocs(app, options.docsAssets);
  if (options.metrics) registerMetrics(app, options.metrics);
  for (const path of jsonBodyRoutes(app)) jsonBodyPaths.add(path);

  app.notFound((c) => errorResponse(c, new ApiError("not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const error = toApiError(err);
    if (error.code === "internal_error") {
      log?.({ time: new Date().toISOString(), level: "error", msg: "unhandled error", request_id: c.get("requestId"), error: String(err) });
    }
    return errorResponse(c, error);
  });

  return { app, services };
}

/** The paths of the POST routes whose OpenAPI definition has a JSON request body. */
export function jsonBodyRoutes(app: OpenAPIHono<AppEnv>): string[] {
  return app.openAPIRegistry.definitions.flatMap((d) =>
    d.type === "route" && d.route.method === "post" && d.route.request?.body?.content["application/json"] ? [d.route.path] : [],
  );
}
