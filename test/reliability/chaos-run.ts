/**
 * One load-and-chaos run: the real proxy process in front of the embedded runtime, the fault-injecting KServe v2
 * upstream, or a real tritonserver (the last two killed and restarted during the run), a seeded mix of /embed,
 * /bertscore and bad requests, and the invariants that prove nothing hung, nothing was lost and nothing wrong came
 * back.
 */
import { startFaultUpstream, type FaultRates, type FaultUpstream, type KServeFetch } from "./fault-upstream.js";
import { runLoad, type LoadReport, type LoadRequest } from "../support/load-driver.js";
import { metricValue, startProxyProcess, type ProxyProcess } from "../support/proxy-process.js";
import { badRequests, LIMITS } from "./bad-requests.js";
import { checkDocumentedShape } from "../support/response-shapes.js";
import { buildWorkload, discoverModels } from "./workload.js";

/** The proxy's /metrics gauge of upstream calls holding a concurrency slot. */
export const IN_FLIGHT_METRIC = "gpu_bridge_upstream_in_flight";

/** An upstream that can be killed as a crashed server is and started again on its port. */
export interface KillableUpstream {
  readonly url: string;
  readonly restarts: number;
  kill(): Promise<void>;
  /** Starts it again and resolves once it answers. */
  restart(): Promise<void>;
}

export interface ChaosOptions {
  upstream: "embedded" | "faulty" | "triton";
  /** upstream "triton": the server, serving the same models as `backend`. */
  triton?: KillableUpstream;
  /**
   * While the upstream is down, each client sends at most this many requests and then waits for the restart, so
   * that a slow restart (a real server) does not let the whole run pass during one outage. Unset: no pause.
   */
  requestsPerClientWhileDown?: number;
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
   * Most requests sent before the measured run to reach the memory plateau (the last four RSS readings, one per
   * 1000 requests, within 3%); 0 skips the RSS figure.
   */
  warmup?: number;
  /** Distinct requests (each with its expected answer) that the run cycles through. */
  distinct?: number;
  inferRates?: Partial<FaultRates>;
  metadataRates?: Partial<FaultRates>;
  seed?: number;
  /** More proxy settings, e.g. UPSTREAM_BINARY=false for JSON tensors between the proxy and the upstream. */
  proxyEnv?: Record<string, string>;
  log?(line: string): void;
}

export interface ChaosReport {
  upstream: ChaosOptions["upstream"];
  load: LoadReport;
  concurrency: number;
  /** Upper bound on a request's life: the proxy's queue wait + upstream deadline + margin. */
  hangAfterMs: number;
  slotsInUseAfter: number | undefined;
  /**
   * Proxy RSS read under load every 1000 requests: at the end of the warm-up (same load and faults, no kills) and
   * at the end of the run, each the median of the last three readings.
   */
  rss:
    | {
        warmupRequests: number;
        warmBytes: number;
        endBytes: number;
        growth: number;
        warmupSamplesMb: number[];
        samplesMb: number[];
        idleAfterMb: number;
      }
    | undefined;
  upstreamRestarts: number;
  faultCounts: Record<string, number> | undefined;
}

const API_KEY = "chaos-key";
const QUEUE_TIMEOUT_MS = 1_000;
const UPSTREAM_TIMEOUT_MS = 800;
const MAX_CONCURRENT = 8;
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

/** RSS spread (max/min - 1) of the last readings below which memory counts as levelled off. */
const PLATEAU = { readings: 4, spread: 0.03 };

function plateaued(samples: number[]): boolean {
  if (samples.length < PLATEAU.readings) return false;
  const last = samples.slice(-PLATEAU.readings);
  return Math.max(...last) / Math.min(...last) - 1 < PLATEAU.spread;
}

function medianOfLast(values: number[], count: number): number {
  const last = values.slice(-count).sort((a, b) => a - b);
  return last[Math.floor(last.length / 2)] ?? 0;
}

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

  let faulty: FaultUpstream | undefined;
  if (options.upstream === "faulty") {
    faulty = await startFaultUpstream({
      backend: options.backend,
      seed: options.seed,
      slowMs: UPSTREAM_TIMEOUT_MS * 2,
    });
  }
  if (options.upstream === "triton" && !options.triton) throw new Error("upstream triton needs the server (options.triton)");
  const upstream: KillableUpstream | undefined = faulty ?? options.triton;
  /** Resolves when the upstream is back; set while it is down. */
  let down: { back: Promise<void>; sent: Map<number, number> } | undefined;
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
    ...options.proxyEnv,
  };
  const proxy = await startProxyProcess(env);
  try {
    const load = (total: number, onProgress?: (done: number) => void, shouldStop?: () => boolean) =>
      runLoad({
        shouldStop,
        beforeRequest: async (client) => {
          const outage = down;
          if (!outage || options.requestsPerClientWhileDown === undefined) return;
          const sent = (outage.sent.get(client) ?? 0) + 1;
          outage.sent.set(client, sent);
          if (sent > options.requestsPerClientWhileDown) await outage.back;
        },
        baseUrl: proxy.url,
        apiKey: API_KEY,
        total,
        concurrency: options.concurrency,
        hangAfterMs: HANG_AFTER_MS,
        pick,
        checkShape: checkDocumentedShape,
        onProgress,
      });

    faulty?.setRates(
      { ...DEFAULT_INFER_FAULTS, ...options.inferRates },
      { ...DEFAULT_METADATA_FAULTS, ...options.metadataRates },
    );
    let rss: ChaosReport["rss"];
    const warmSamples: number[] = [];
    const samples: number[] = [];
    // RSS is read under load every 1000 requests (reads are queued, so they land in order).
    let reading = Promise.resolve();
    const sampleRss = (into: number[]) => {
      reading = reading.then(async () => {
        into.push(await proxy.rssBytes());
      });
    };
    let warmupRequests = 0;
    if (options.warmup) {
      log(`warm-up: up to ${options.warmup} requests, until the proxy's RSS levels off`);
      const warm = await load(
        options.warmup,
        (done) => {
          if (done % 1000 === 0) sampleRss(warmSamples);
        },
        () => plateaued(warmSamples),
      );
      await reading;
      warmupRequests = warm.total;
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
        const previous = outages.at(-1) ?? Promise.resolve();
        const outage = previous.then(async () => {
          const sent = new Map<number, number>();
          let back!: () => void;
          down = { back: new Promise((resolve) => (back = resolve)), sent };
          try {
            await u.kill();
            await new Promise((resolve) => setTimeout(resolve, options.downMs ?? 500));
            await u.restart();
          } finally {
            down = undefined;
            back();
          }
        });
        outages.push(outage);
      }
      if (done % 1000 === 0) {
        log(`${done}/${options.total}`);
        if (options.warmup) sampleRss(samples);
      }
    };
    log(`run: ${options.total} requests, ${options.concurrency} clients, upstream ${options.upstream}`);
    const report = await load(options.total, onProgress);
    await Promise.all(outages);

    const slotsInUseAfter = await settledInFlight(proxy, HANG_AFTER_MS);
    await reading;
    if (options.warmup && warmSamples.length > 0 && samples.length > 0) {
      const warmBytes = medianOfLast(warmSamples, 3);
      const endBytes = medianOfLast(samples, 3);
      const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
      rss = {
        warmupRequests,
        warmBytes,
        endBytes,
        growth: endBytes / warmBytes - 1,
        warmupSamplesMb: warmSamples.map(mb),
        samplesMb: samples.map(mb),
        idleAfterMb: mb(await proxy.rssBytes()),
      };
    }
    return {
      upstream: options.upstream,
      load: report,
      concurrency: options.concurrency,
      hangAfterMs: HANG_AFTER_MS,
      slotsInUseAfter,
      rss,
      upstreamRestarts: upstream?.restarts ?? 0,
      faultCounts: faulty ? { ...faulty.faultCounts } : undefined,
    };
  } catch (error) {
    log(proxy.output());
    throw error;
  } finally {
    await proxy.stop();
    await faulty?.close();
  }
}
