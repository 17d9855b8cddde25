/**
 * One or more KServe v2 upstreams (TRITON_URL may list several). Calls go to the first upstream that is not marked
 * down; one that is unreachable or answers 503 is marked down for `retryMs` and the call moves on to the next, so
 * one proxy fronts several Triton boxes. A down upstream is tried again once its time is up (the primary first).
 * Readiness is asked per model (the repository index), never of the server as a whole: Triton's own ready check
 * fails while one model is unavailable and the others serve.
 */
import { KServeClient, UpstreamError, type FetchFn } from "../../kserve/client.js";
import { MODELS } from "@gpu-bridge/contract/model-contract";
import { readDeviceInfo, type DeviceInfo } from "../inference/device-info.js";
import { Cached, catalogFromIndex, loadCatalog, readyModelNames, type Catalog } from "./catalog.js";

export interface UpstreamOptions {
  fetch: FetchFn;
  timeoutMs: number;
  cacheTtlMs: number;
  headers?: Record<string, string>;
  now?: () => number;
}

export class Upstream {
  readonly client: KServeClient;
  readonly catalog: Cached<Catalog>;
  readonly deviceInfo: Cached<DeviceInfo>;
  readonly serverMetadata: Cached<{ name: string; version: string }>;
  downUntil = 0;

  constructor(baseUrl: string, options: UpstreamOptions) {
    this.client = new KServeClient({
      baseUrl,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      ...(options.headers ? { headers: options.headers } : {}),
    });
    this.catalog = new Cached(() => loadCatalog(this.client), options.cacheTtlMs, options.now);
    this.deviceInfo = new Cached(async () => {
      const catalog = await this.catalog.get();
      const model = catalog.ofTask("device_info")[0]?.served ?? MODELS.deviceInfo;
      return readDeviceInfo(this.client, model);
    }, options.cacheTtlMs, options.now);
    this.serverMetadata = new Cached(async () => {
      const meta = await this.client.serverMetadata();
      return { name: String(meta.name ?? ""), version: String(meta.version ?? "") };
    }, options.cacheTtlMs, options.now);
  }

  get url(): string {
    return this.client.baseUrl;
  }

  /**
   * Whether this upstream serves a text model now: its repository index (one call) against the catalogue, which is
   * reloaded under the same deadline when the ready models differ from those it was built from.
   */
  async servesText(timeoutMs: number): Promise<boolean> {
    const index = await this.client.repositoryIndex({ timeoutMs });
    let catalog = this.catalog.peek();
    const ready = readyModelNames(index);
    if (!catalog || !sameNames(catalog.readyNames, ready)) {
      catalog = await catalogFromIndex(this.client, index, { timeoutMs });
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
  upstreams: { url: string; ready: boolean }[];
}

export class UpstreamPool {
  readonly upstreams: Upstream[];
  private readonly now: () => number;

  constructor(
    urls: string[],
    options: UpstreamOptions,
    private readonly retryMs: number,
    private readonly onFailover?: (url: string, err: UpstreamError) => void,
  ) {
    if (urls.length === 0) throw new Error("UpstreamPool needs at least one upstream URL");
    this.upstreams = urls.map((url) => new Upstream(url, options));
    this.now = options.now ?? Date.now;
  }

  /** Upstreams in the order to try: those not marked down first (configured order), then the down ones. */
  private order(): Upstream[] {
    const now = this.now();
    const up = this.upstreams.filter((u) => u.downUntil <= now);
    const down = this.upstreams.filter((u) => u.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  }

  private markDown(upstream: Upstream, err: UpstreamError): void {
    upstream.downUntil = this.now() + this.retryMs;
    upstream.catalog.invalidate();
    this.onFailover?.(upstream.url, err);
  }

  /** Runs `call` on the first upstream that can take it. */
  async run<T>(call: (upstream: Upstream) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const upstream of this.order()) {
      try {
        const result = await call(upstream);
        upstream.downUntil = 0;
        return result;
      } catch (err) {
        if (!isFailover(err)) throw err;
        if (err.status === 404) upstream.catalog.invalidate();
        else this.markDown(upstream, err);
        last = err;
      }
    }
    throw last;
  }

  /** Asks every upstream at once whether it serves a text model; marks them up or down. */
  async health(timeoutMs: number): Promise<HealthReport> {
    const results = await Promise.all(
      this.upstreams.map(async (upstream) => {
        try {
          const ready = await upstream.servesText(timeoutMs);
          if (ready) upstream.downUntil = 0;
          else this.markDown(upstream, new UpstreamError("unavailable", "no text model is ready", 503));
          return { url: upstream.url, ready };
        } catch (err) {
          if (err instanceof UpstreamError) this.markDown(upstream, err);
          return { url: upstream.url, ready: false };
        }
      }),
    );
    return { ready: results.some((r) => r.ready), upstreams: results };
  }

  /** The first ready upstream after a health probe (for /health and /info). */
  firstUp(): Upstream | undefined {
    const now = this.now();
    return this.upstreams.find((u) => u.downUntil <= now);
  }
}
