/**
 * One load-and-chaos run: the real proxy process in front of either the embedded runtime or the fault-injecting
 * KServe v2 upstream (killed and restarted during the run), a seeded mix of /embed, /bertscore and bad requests,
 * and the invariants that prove nothing hung, nothing was lost and nothing wrong came back.
 */
import { startFaultUpstream, type FaultRates, type FaultUpstream, type KServeFetch } from "./fault-upstream.js";
import { runLoad, type LoadReport, type LoadRequest } from "./load-driver.js";
import { metricValue, startProxyProcess, type ProxyProcess } from "./proxy-process.js";
import { badRequests, LIMITS } from "./bad-requests.js";
import { checkDocumentedShape } from "./response-shapes.js";
import { buildWorkload, discoverModels } from "./workload.js";

/** The proxy's /metrics gauge of upstream calls holding a concurrency slot. */
export const IN_FLIGHT_METRIC = "gpu_bridge_upstream_in_flight";

export interface ChaosOptions {
  upstream: "embedded" | "faulty";
  /** In-process KServe v2 handler of the embedded runtime: gives the expected answers and backs the faulty upstream. */
  backend: KServeFetch;
  /** Model repository the proxy's embedded runtime loads (same one as `backend`). */
  repository: string;
  total: number;
  concurrency: number;
  restarts: number;
  /** How long the upstream stays down each time it is killed. */
  downMs?: number;
  /**
   * Most requests sent before the measured run to reach the memory plateau (in rounds of 1000 until RSS moves less
   * than 3% between rounds); 0 skips the RSS figure.
   */
  warmup?: number;
  /** Distinct requests (each with its expected answer) that the run cycles through. */
  distinct?: number;
  inferRates?: Partial<FaultRates>;
  metadataRates?: Partial<FaultRates>;
  seed?: number;
  log?(line: string): void;
}

export interface ChaosReport {
  upstream: ChaosOptions["upstream"];
  load: LoadReport;
  concurrency: number;
  /** Upper bound on a request's life: the proxy's queue wait + upstream deadline + margin. */
  hangAfterMs: number;
  slotsInUseAfter: number | undefined;
  /** Proxy RSS at the warm-up plateau (same load and faults, no kills) and at the end; samples every 1000 requests. */
  rss: { warmupRequests: number; warmBytes: number; endBytes: number; growth: number; samplesMb: number[] } | undefined;
  upstreamRestarts: number;
  faultCounts: Record<string, number> | undefined;
}

const API_KEY = "chaos-key";
const QUEUE_TIMEOUT_MS = 1_000;
const UPSTREAM_TIMEOUT_MS = 800;
const MAX_CONCURRENT = 8;
/** RSS change between two warm-up rounds below which memory counts as having reached its plateau. */
const PLATEAU = 0.03;
/** The proxy may make a few upstream calls for one request (catalogue refresh, then infer), each with a deadline. */
const HANG_AFTER_MS = QUEUE_TIMEOUT_MS + 3 * UPSTREAM_TIMEOUT_MS + 2_000;

export const DEFAULT_INFER_FAULTS: FaultRates = {
  slow: 0.005,
  "malformed-json": 0.02,
  "truncated-binary": 0.02,
  "status-500": 0.02,
  reset: 0.01,
};
export const DEFAULT_METADATA_FAULTS: FaultRates = {
  slow: 0.005,
  "malformed-json": 0.01,
  "truncated-binary": 0,
  "status-500": 0.01,
  reset: 0.005,
};

async function settledInFlight(proxy: ProxyProcess, withinMs: number): Promise<number | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = metricValue(await proxy.metrics(API_KEY), IN_FLIGHT_METRIC);
    if (value === undefined || value === 0 || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const models = await discoverModels(options.backend);
  const distinct = await buildWorkload(options.backend, models, options.distinct ?? 200, options.seed);
  const bad = badRequests(models);
  // One bad request in ten, spread evenly; the rest cycle through the distinct good ones.
  const pick = (index: number): LoadRequest =>
    index % 10 === 9 ? (bad[index % bad.length] as LoadRequest) : (distinct[index % distinct.length] as LoadRequest);

  let upstream: FaultUpstream | undefined;
  if (options.upstream === "faulty") {
    upstream = await startFaultUpstream({
      backend: options.backend,
      seed: options.seed,
      slowMs: UPSTREAM_TIMEOUT_MS * 2,
    });
  }
  const env: Record<string, string> = {
    API_KEY,
    GPU_MAX_CONCURRENT: String(MAX_CONCURRENT),
    GPU_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
    UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
    UPSTREAM_RETRY_MS: "200",
    LOG_REQUESTS: "false",
    GPU_MAX_BATCH_SIZE: String(LIMITS.GPU_MAX_BATCH_SIZE),
    GPU_MAX_TEXT_LENGTH: String(LIMITS.GPU_MAX_TEXT_LENGTH),
    ...(upstream ? { TRITON_URL: upstream.url } : { TRITON_URL: "", MODEL_REPOSITORY: options.repository }),
  };
  const proxy = await startProxyProcess(env);
  try {
    const load = (total: number, onProgress?: (done: number) => void) =>
      runLoad({
        baseUrl: proxy.url,
        apiKey: API_KEY,
        total,
        concurrency: options.concurrency,
        hangAfterMs: HANG_AFTER_MS,
        pick,
        checkShape: checkDocumentedShape,
        onProgress,
      });

    upstream?.setRates(
      { ...DEFAULT_INFER_FAULTS, ...options.inferRates },
      { ...DEFAULT_METADATA_FAULTS, ...options.metadataRates },
    );
    let rss: ChaosReport["rss"];
    let warmBytes = 0;
    const samplesMb: number[] = [];
    const sampleRss = () => {
      void proxy.rssBytes().then((bytes) => samplesMb.push(Math.round(bytes / 2 ** 20)));
    };
    let warmupRequests = 0;
    if (options.warmup) {
      const round = Math.min(1000, options.warmup);
      let previous = 0;
      while (warmupRequests < options.warmup) {
        await load(round);
        warmupRequests += round;
        warmBytes = await proxy.rssBytes();
        log(`warm-up: ${warmupRequests} requests, proxy RSS ${(warmBytes / 2 ** 20).toFixed(0)} MB`);
        if (previous > 0 && Math.abs(warmBytes / previous - 1) < PLATEAU) break;
        previous = warmBytes;
      }
    }

    const killAt = Array.from({ length: options.restarts }, (_, k) =>
      Math.floor(((k + 1) * options.total) / (options.restarts + 1)),
    );
    const outages: Promise<void>[] = [];
    const onProgress = (done: number) => {
      if (upstream && killAt[0] !== undefined && done >= killAt[0]) {
        killAt.shift();
        const u = upstream;
        log(`killing the upstream at ${done}/${options.total}`);
        outages.push(
          u.kill().then(async () => {
            await new Promise((resolve) => setTimeout(resolve, options.downMs ?? 500));
            await u.restart();
          }),
        );
      }
      if (done % 1000 === 0) {
        log(`${done}/${options.total}`);
        if (options.warmup) sampleRss();
      }
    };
    log(`run: ${options.total} requests, ${options.concurrency} clients, upstream ${options.upstream}`);
    const report = await load(options.total, onProgress);
    await Promise.all(outages);

    const slotsInUseAfter = await settledInFlight(proxy, HANG_AFTER_MS);
    if (options.warmup) {
      const endBytes = await proxy.rssBytes();
      rss = { warmupRequests, warmBytes, endBytes, growth: endBytes / warmBytes - 1, samplesMb };
    }
    return {
      upstream: options.upstream,
      load: report,
      concurrency: options.concurrency,
      hangAfterMs: HANG_AFTER_MS,
      slotsInUseAfter,
      rss,
      upstreamRestarts: upstream?.restarts ?? 0,
      faultCounts: upstream ? { ...upstream.faultCounts } : undefined,
    };
  } catch (error) {
    log(proxy.output());
    throw error;
  } finally {
    await proxy.stop();
    await upstream?.close();
  }
}
