/**
 * The proxy's configuration, parsed once from process.env (Node) or the Worker's bindings (Workers).
 */
import { z } from "zod";
import { parseFields } from "@gpu-bridge/contract/config";
import { RuntimeConfigFields } from "@gpu-bridge/runtime/config";

export { ConfigError } from "@gpu-bridge/contract/config";
export type { RuntimeConfig } from "@gpu-bridge/runtime/config";

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const upstreamList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const urls = value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    for (const url of urls) {
      // What may be a password is never echoed: messages name the URL without its user information.
      const shown = url.replace(/\/\/[^/?#]*@/, "//…@");
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        ctx.addIssue({ code: "custom", message: `not a URL: ${shown}` });
        return z.NEVER;
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: `not an http(s) URL: ${shown}` });
        return z.NEVER;
      }
      // fetch would refuse such a URL at the first call, and logs would show the password in clear
      if (parsed.username || parsed.password) {
        ctx.addIssue({
          code: "custom",
          message: `${shown}: no user:password@ in the URL; send credentials as a header with UPSTREAM_HEADERS, e.g. {"Authorization": "Basic <base64 of user:password>"}`,
        });
        return z.NEVER;
      }
    }
    return urls.map((url) => url.replace(/\/+$/, ""));
  });

/** A JSON object of header names to string values, e.g. a Cloudflare Access service token for Triton behind a tunnel. */
const headerMap = z
  .string()
  .transform((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of header names to strings" });
      return z.NEVER;
    }
    const result = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a header name"), z.string()).safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of header names to strings" });
      return z.NEVER;
    }
    return result.data;
  });

/** Comma-separated host names (no port); `*` allows any, `.example.com` a domain and its subdomains. */
const hostList = z
  .string()
  .transform((value, ctx) => {
    const hosts = value
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part.length > 0);
    for (const host of hosts) {
      if (host !== "*" && !/^\.?[a-z0-9_.-]+$|^\[[0-9a-f:.]+\]$/.test(host)) {
        ctx.addIssue({ code: "custom", message: `not a host name: ${host} (no scheme or port)` });
        return z.NEVER;
      }
    }
    return hosts;
  });

const flag = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", ""])])
  .transform((v) => v === true || v === "1" || v === "true" || v === "yes");


const ConfigFields = z.object({
  /** Comma-separated KServe v2 base URLs sharing the load, with failover; empty: the embedded runtime (Node only). */
  TRITON_URL: upstreamList.default([]),
  API_KEY: z.string().optional(),
  /**
   * Requests in flight at once (the original service's semaphore). Unset: bounded by GPU_MAX_TEXTS_IN_FLIGHT alone,
   * so that the batcher (Triton's, or the embedded runtime's) sees enough requests to fill batches.
   */
  GPU_MAX_CONCURRENT: z.coerce.number().int().min(1).max(100_000).optional(),
  /**
   * Texts in flight over all requests (BERTScore: candidates and every padded reference row): what a batching server
   * bounds. The default is four of Triton's max_batch_size of 32, and room for a request of GPU_MAX_BATCH_SIZE texts
   * beside GPU_RESERVED_TEXTS, so that the largest request is admitted like any other.
   */
  GPU_MAX_TEXTS_IN_FLIGHT: int(128, 1, 1_000_000),
  /**
   * The last texts of GPU_MAX_TEXTS_IN_FLIGHT, kept for requests of at most this many texts (which never queue behind
   * larger ones), so that clients looping large requests cannot starve one-text clients. 0: one lane for all.
   */
  GPU_RESERVED_TEXTS: int(16, 0, 1_000_000),
  /** How long a request may wait for a free slot before 503 (the original service waited 1 s). */
  GPU_QUEUE_TIMEOUT_MS: int(1000),
  /** Most texts per request; capped so that even a list of wrong elements is checked in milliseconds. */
  GPU_MAX_BATCH_SIZE: int(100, 1, 10_000),
  GPU_MAX_TEXT_LENGTH: int(10000, 1),
  MAX_BODY_BYTES: int(8 * 1024 * 1024, 1),
  MODEL_EMBED: z.string().min(1).default("all-MiniLM-L6-v2"),
  MODEL_BERTSCORE: z.string().min(1).default("roberta-large"),
  UPSTREAM_TIMEOUT_MS: int(65000, 1),
  /** Extra headers sent on every upstream call (JSON object); a secret on Workers. */
  UPSTREAM_HEADERS: headerMap.default({}),
  /** Binary tensor outputs from the upstream (faster); false: JSON tensors. */
  UPSTREAM_BINARY: flag.default(true),
  /** How long the model catalogue and device info are cached. */
  MODEL_CACHE_TTL_MS: int(30000),
  /** How long a failed upstream is skipped before it is probed again. */
  UPSTREAM_RETRY_MS: int(2000),
  /** How long a readiness probe's answer serves /health (one probe in flight per upstream, whatever the traffic). */
  HEALTH_PROBE_CACHE_MS: int(1000, 0, 60_000),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(8765),
  /**
   * Hosts the API answers for when API_KEY is unset (a DNS-rebinding page reaches a loopback proxy under its own
   * host name). Unset: IP addresses and localhost on Node, any host on Workers. Set: checked with or without API_KEY.
   */
  ALLOWED_HOSTS: hostList.optional(),
  /** Node: most time to receive a whole request (headers and body) before the connection is closed. */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1),
  /** Node: most time to receive a request's headers. */
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1),
  /** Node: how long an idle keep-alive connection stays open. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 1),
  /** Node: most open client connections; more are closed at once. */
  HTTP_MAX_CONNECTIONS: int(1024, 1),
  /**
   * Node: most open connections from one client address, so that one client cannot hold all HTTP_MAX_CONNECTIONS
   * (behind a front proxy every client shares its address: raise it to the front proxy's connection count).
   */
  HTTP_MAX_CONNECTIONS_PER_CLIENT: int(128, 1),
  LOG_REQUESTS: flag.default(true),
  /** The API reference (/docs, /openapi.json), public as FastAPI's (it holds no data); false: 404. */
  DOCS_ENABLED: flag.default(true),
  ...RuntimeConfigFields.shape,
});

export const ConfigSchema = ConfigFields.refine((config) => config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_REQUEST_TIMEOUT_MS, {
  message: "must not be longer than HTTP_REQUEST_TIMEOUT_MS",
  path: ["HTTP_HEADERS_TIMEOUT_MS"],
});

export type Config = z.output<typeof ConfigSchema>;

/** The proxy's configuration from env vars or bindings. */
export function parseConfig(source: Record<string, unknown>): Config {
  return parseFields(ConfigSchema, Object.keys(ConfigFields.shape), source);
}
