/**
 * The proxy's configuration, parsed once from process.env (Node) or the Worker's bindings (Workers).
 */
import { z } from "zod";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const upstreamList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const urls = value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    for (const url of urls) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        ctx.addIssue({ code: "custom", message: `not a URL: ${url}` });
        return z.NEVER;
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: `not an http(s) URL: ${url}` });
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

const flag = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", ""])])
  .transform((v) => v === true || v === "1" || v === "true" || v === "yes");

export const ConfigSchema = z.object({
  /** Comma-separated KServe v2 base URLs, tried in order with failover; empty: the embedded runtime (Node only). */
  TRITON_URL: upstreamList.default([]),
  API_KEY: z.string().optional(),
  GPU_MAX_CONCURRENT: int(2, 1),
  /** How long a request may wait for a free slot before 503 (the original service waited 1 s). */
  GPU_QUEUE_TIMEOUT_MS: int(1000),
  GPU_MAX_BATCH_SIZE: int(100, 1),
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
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(8765),
  MODEL_REPOSITORY: z.string().min(1).optional(),
  LOG_REQUESTS: flag.default(true),
});

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses env vars or bindings; empty strings count as unset so that `FOO=` in a .env file means the default. */
export function parseConfig(source: Record<string, unknown>): Config {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  return result.data;
}
