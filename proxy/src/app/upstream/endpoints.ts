/** The KServe v2 upstreams TRITON_URL lists, as the pool's endpoints: a client for inference and one for probes each. */
import { KServeClient, type FetchFn } from "@gpu-bridge/kserve/client";
import type { UpstreamEndpoint } from "./pool.js";

/** A readiness probe's deadline: short, so that a hanging upstream cannot hold /health or a probe connection long. */
export const PROBE_TIMEOUT_MS = 2000;

export interface KServeEndpointOptions {
  fetch: FetchFn;
  /** The probes' way to the upstreams (Node: a small connection pool apart from inference); default `fetch`. */
  probeFetch?: FetchFn;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export function kserveEndpoints(urls: readonly string[], options: KServeEndpointOptions): UpstreamEndpoint[] {
  return urls.map((baseUrl) => {
    const common = { baseUrl, ...(options.headers ? { headers: options.headers } : {}) };
    return {
      inference: new KServeClient({ ...common, fetch: options.fetch, timeoutMs: options.timeoutMs }),
      probe: new KServeClient({ ...common, fetch: options.probeFetch ?? options.fetch, timeoutMs: PROBE_TIMEOUT_MS }),
    };
  });
}
