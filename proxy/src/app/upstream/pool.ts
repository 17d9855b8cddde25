/**
 * One or more upstreams sharing the load, each an Inference (@gpu-bridge/kserve/inference): the KServe v2 servers
 * TRITON_URL lists (endpoints.ts), or the embedded runtime in process. each call goes to the upstream
 * with the fewest calls outstanding (ties: the configured order) among those not marked down. One that is
 * unreachable or answers 503 is marked down for `retryMs` and the call moves on to the next, since nothing was
 * computed there; a down upstream takes calls again once its time is up, and a success clears its mark.
 * Readiness is asked per model (the repository index), never of the server as a whole: Triton's own ready check
 * fails while one model is unavailable and the others serve. Readiness probes (/health, public) only report: they
 * are coalesced and cached, go over their own connections, and never mark an upstream down or up.
 */
import { UpstreamError, type Inference } from "@gpu-bridge/kserve/inference";
import { MODELS } from "@gpu-bridge/contract/model-contract";
import { readDeviceInfo, type DeviceInfo } from "../inference/device-info.js";
import { Cached, catalogFromIndex, loadCatalog, readyModelNames, type Catalog, type SkippedModel } from "./catalog.js";

/** An upstream's ways in: one for inference and the catalogue, one for readiness probes. */
export interface UpstreamEndpoint {
  inference: Inference;
  /** Readiness probes (over HTTP: their own connections and a short deadline); default `inference`. */
  probe?: Inference;
}

export interface UpstreamOptions {
  cacheTtlMs: number;
  now?: () => number;
}

export class Upstream {
  readonly client: Inference;
  private readonly probeClient: Inference;
  readonly catalog: Cached<Catalog>;
  readonly deviceInfo: Cached<DeviceInfo>;
  readonly serverMetadata: Cached<{ name: string; version: string }>;
  /** The last probe's answer, kept `probeCacheMs`; one probe in flight however many ask. */
  readonly readiness: Cached<boolean>;
  downUntil = 0;
  /** Calls sent and not yet answered (the pool's balancing). */
  outstanding = 0;

  constructor(
    endpoint: UpstreamEndpoint,
    /** Position in TRITON_URL: the metrics' label. */
    readonly index: number,
    options: UpstreamOptions,
    probeCacheMs = 1000,
    onSkippedModel?: (model: SkippedModel) => void,
  ) {
    this.client = endpoint.inference;
    this.probeClient = endpoint.probe ?? endpoint.inference;
    this.catalog = new Cached(() => loadCatalog(this.client, {}, onSkippedModel), options.cacheTtlMs, options.now);
    this.deviceInfo = new Cached(async () => {
      const catalog = await this.catalog.get();
      const model = catalog.ofTask("device_info")[0]?.served ?? MODELS.deviceInfo;
      return readDeviceInfo(this.client, model);
    }, options.cacheTtlMs, options.now);
    this.serverMetadata = new Cached(async () => {
      const meta = await this.client.serverMetadata();
      return { name: String(meta.name ?? ""), version: String(meta.version ?? "") };
    }, options.cacheTtlMs, options.now);
    this.readiness = new Cached(() => this.servesText(onSkippedModel).catch(() => false), probeCacheMs, options.now);
  }

  /** Its base URL, or the embedded runtime's name. */
  get url(): string {
    return this.client.location;
  }

  /**
   * Whether this upstream serves a text model now: its repository index (one call) against the catalogue, which is
   * reloaded when the ready models differ from those it was built from. Over the probe connections.
   */
  private async servesText(onSkippedModel?: (model: SkippedModel) => void): Promise<boolean> {
    const index = await this.probeClient.repositoryIndex();
    let catalog = this.catalog.peek();
    const ready = readyModelNames(index);
    if (!catalog || !sameNames(catalog.readyNames, ready)) {
      catalog = await catalogFromIndex(this.probeClient, index, {}, onSkippedModel);
      this.catalog.set(catalog);
    }
    return catalog.servesText();
  }
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((name) => b.has(name));
}

/**
 * Errors after which the same call may be sent to another upstream: nothing was computed there. A 404 is a model
 * that went away since the catalogue was read (Triton: "has no available versions"): another upstream may have it.
 */
function isFailover(err: unknown): err is UpstreamError {
  return err instanceof UpstreamError && (err.kind === "unreachable" || err.kind === "unavailable");
}

export interface HealthReport {
  ready: boolean;
  upstreams: { upstream: Upstream; ready: boolean }[];
}

export interface PoolOptions {
  /** How long an upstream that failed stays marked down. */
  retryMs: number;
  /** How long a readiness probe's answer is reused. */
  probeCacheMs?: number;
  onFailover?: (url: string, err: UpstreamError) => void;
  /** A model of the index left out of the catalogue (its config could not be read). */
  onSkippedModel?: (url: string, model: string, reason: string) => void;
  /** Calls outstanding on upstream `index` changed. */
  onInFlight?: (index: number, count: number) => void;
}

export class UpstreamPool {
  readonly upstreams: Upstream[];
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly onFailover: PoolOptions["onFailover"];
  private readonly onInFlight: PoolOptions["onInFlight"];

  constructor(endpoints: UpstreamEndpoint[], options: UpstreamOptions, pool: PoolOptions) {
    if (endpoints.length === 0) throw new Error("UpstreamPool needs at least one upstream");
    this.upstreams = endpoints.map(
      (endpoint, i) =>
        new Upstream(endpoint, i, options, pool.probeCacheMs, (skipped) =>
          pool.onSkippedModel?.(endpoint.inference.location, skipped.name, skipped.reason),
        ),
    );
    this.now = options.now ?? Date.now;
    this.retryMs = pool.retryMs;
    this.onFailover = pool.onFailover;
    this.onInFlight = pool.onInFlight;
    for (const upstream of this.upstreams) this.onInFlight?.(upstream.index, 0); // every upstream listed from the start
  }

  /**
   * Upstreams in the order to try: those not marked down by fewest outstanding calls (ties: configured order; the
   * sort is stable), then the down ones, soonest retry first.
   */
  private order(): Upstream[] {
    const now = this.now();
    const up = this.upstreams.filter((u) => u.downUntil <= now).sort((a, b) => a.outstanding - b.outstanding);
    const down = this.upstreams.filter((u) => u.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  }

  private markDown(upstream: Upstream, err: UpstreamError): void {
    upstream.downUntil = this.now() + this.retryMs;
    upstream.catalog.invalidate();
    this.onFailover?.(upstream.url, err);
  }

  private count(upstream: Upstream, delta: 1 | -1): void {
    upstream.outstanding += delta;
    this.onInFlight?.(upstream.index, upstream.outstanding);
  }

  /** Runs `call` on the least loaded upstream that can take it, moving on while nothing was computed. */
  async run<T>(call: (upstream: Upstream) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const upstream of this.order()) {
      this.count(upstream, 1);
      try {
        const result = await call(upstream);
        upstream.downUntil = 0;
        return result;
      } catch (err) {
        if (!isFailover(err)) throw err;
        if (err.status === 404) upstream.catalog.invalidate();
        else this.markDown(upstream, err);
        last = err;
      } finally {
        this.count(upstream, -1);
      }
    }
    throw last;
  }

  /**
   * Whether each upstream serves a text model, from its cached or coalesced probe. Reports only: the failover marks
   * stay as inference calls left them.
   */
  async health(): Promise<HealthReport> {
    const upstreams = await Promise.all(
      this.upstreams.map(async (upstream) => ({ upstream, ready: await upstream.readiness.get() })),
    );
    return { ready: upstreams.some((r) => r.ready), upstreams };
  }
}
