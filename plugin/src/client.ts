/**
 * HTTP client for the GPU Bridge proxy: one total deadline per call (retries included), the caller's abort signal,
 * 503 + Retry-After retries (at least a second apart, a bounded number, while the deadline allows), redirects never
 * followed, answers read up to a byte limit and checked against the proxy's own zod schemas, and errors that say
 * which host, what happened and what to check. The proxy is not trusted more than it trusts its inference server.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { ErrorBodySchema } from "@gpu-bridge/contract/schemas";
import { clip } from "./clip.js";
import { GpuBridgeError, ToolInputError } from "./errors.js";

export interface ClientOptions {
  serviceUrl: string;
  apiKey?: string | undefined;
  /** Where the settings live, named in error messages, e.g. `plugins.entries.gpu-bridge.config`. */
  configPath: string;
}

export interface CallOptions {
  /** Total budget for the call, retries included. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Retry a 503 after its Retry-After while the deadline allows (default true). */
  retryBusy?: boolean;
  /** Statuses whose body is a normal answer rather than an error (e.g. 503 from /health when nothing is ready). */
  acceptStatuses?: readonly number[];
  /** Most bytes of the answer read (default ANSWER_LIMIT_BYTES); a larger answer fails the call. */
  maxBytes?: number;
}

/** Answer size limit of calls that name none (/health, /info, /status): far above what a proxy sends. */
export const ANSWER_LIMIT_BYTES = 1024 * 1024;
/** Bytes of an error answer read for its message; the rest is left unread. */
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;
/** Wait used when a 503 carries no usable Retry-After, and the least wait whatever it says. */
const MIN_RETRY_AFTER_MS = 1000;
/** A longer Retry-After is not waited for: the call fails at once and says so. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Characters of the proxy's error detail kept in a message (the message reaches the agent's context). */
export const MAX_DETAIL_CHARS = 1000;
/** Requests one call makes at most, the first included. */
export const MAX_ATTEMPTS = 5;
/** Proxy error codes that mean the tool's arguments were wrong (the caller can fix them). */
const INPUT_ERROR_STATUSES = new Set([400, 413, 422]);

export class ProxyClient {
  /** The proxy's base URL as messages name it: with its path prefix (`http://host/gpu`), without credentials. */
  readonly serviceUrl: string;
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    const url = new URL(options.serviceUrl);
    // Keep a path prefix (proxy behind a reverse proxy at /gpu/); never send credentials embedded in the URL.
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    this.base = url.href.endsWith("/") ? url.href : `${url.href}/`;
    this.serviceUrl = this.base.slice(0, -1);
  }

  /** Where a setting lives, for messages: `plugins.entries.gpu-bridge.config.apiKey`. */
  setting(key: string): string {
    return `${this.options.configPath}.${key}`;
  }

  get<T extends z.ZodType>(path: string, schema: T, options: CallOptions): Promise<z.output<T>> {
    return this.call("GET", path, undefined, schema, options);
  }

  post<T extends z.ZodType>(path: string, body: unknown, schema: T, options: CallOptions): Promise<z.output<T>> {
    return this.call("POST", path, body, schema, options);
  }

  private async call<T extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    schema: T,
    options: CallOptions,
  ): Promise<z.output<T>> {
    const url = new URL(path.replace(/^\//, ""), this.base);
    const deadline = Date.now() + options.timeoutMs;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers["x-api-key"] = this.options.apiKey;
    const what = `${method} ${path}`;

    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
          // A redirect would carry the key and the texts to wherever the Location points.
          redirect: "manual",
        });
        if (isRedirect(response.status)) {
          await response.body?.cancel();
          throw this.redirectError(response, what, url);
        }
        const answer = response.ok || options.acceptStatuses?.includes(response.status);
        const limit = answer ? (options.maxBytes ?? ANSWER_LIMIT_BYTES) : ERROR_BODY_LIMIT_BYTES;
        const read = await readCapped(response, limit);
        if (!read.complete && answer) {
          throw new GpuBridgeError(
            `${what} on ${this.serviceUrl} answered more than ${limit} bytes, more than this call can need; ` +
              `check that ${this.options.configPath}.serviceUrl points at a GPU Bridge proxy`,
            response.status,
          );
        }
        text = read.text;
      } catch (error) {
        if (error instanceof GpuBridgeError) throw error;
        throw this.transportError(error, what, options, timeout);
      }

      if (response.ok || options.acceptStatuses?.includes(response.status)) {
        return this.parse(text, schema, what, response.status);
      }

      if (response.status === 503 && options.retryBusy !== false) {
        const asked = retryAfterMs(response.headers.get("retry-after"));
        if (asked > MAX_RETRY_AFTER_MS) {
          throw this.statusError(
            response.status,
            text,
            what,
            `, and asked to retry after ${seconds(asked)} s, more than the ${seconds(MAX_RETRY_AFTER_MS)} s the plugin waits`,
          );
        }
        const waitMs = Math.max(MIN_RETRY_AFTER_MS, asked);
        if (attempt < MAX_ATTEMPTS && Date.now() + waitMs < deadline) {
          try {
            await sleep(waitMs, undefined, { signal });
          } catch (error) {
            throw this.transportError(error, what, options, timeout);
          }
          continue;
        }
        throw this.statusError(response.status, text, what, `, still busy after ${attempt} attempt(s) within the ${seconds(options.timeoutMs)} s timeout`);
      }
      throw this.statusError(response.status, text, what, "");
    }
  }

  private redirectError(response: Response, what: string, url: URL): GpuBridgeError {
    const location = response.headers.get("location");
    let target = "a missing Location";
    if (location !== null) {
      try {
        target = new URL(location, url).origin;
      } catch {
        target = "an invalid Location";
      }
    }
    return new GpuBridgeError(
      `${what} on ${this.serviceUrl} answered ${response.status}, a redirect to ${target}; the plugin does not follow ` +
        "redirects (they would carry the API key and the texts elsewhere): " +
        `set ${this.options.configPath}.serviceUrl to the proxy's own URL`,
      response.status,
    );
  }

  private parse<T extends z.ZodType>(text: string, schema: T, what: string, status: number): z.output<T> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new GpuBridgeError(
        `${what} on ${this.serviceUrl} answered ${status} with a body that is not JSON (${snippet(text)}); ` +
          `check that ${this.options.configPath}.serviceUrl points at a GPU Bridge proxy`,
        status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      throw new GpuBridgeError(
        `${what} on ${this.serviceUrl} answered an unexpected body (${issue?.message ?? "invalid"}${where}); ` +
          `check that ${this.options.configPath}.serviceUrl points at a GPU Bridge proxy of a matching version`,
        status,
      );
    }
    return parsed.data;
  }

  private statusError(status: number, text: string, what: string, extra: string): Error {
    const { detail, code } = readErrorBody(text);
    const said = detail ? `: ${detail}` : "";
    const tag = code ? ` ${code}` : "";
    if (status === 401 || status === 403) {
      return new GpuBridgeError(
        `The GPU Bridge proxy at ${this.serviceUrl} refused the request (${status}${tag})${said}. ` +
          `Set ${this.options.configPath}.apiKey to the proxy's API_KEY` +
          (this.options.apiKey ? " (the configured key was not accepted)" : " (none is configured)"),
        status,
        code,
      );
    }
    if (status === 404 && code !== "unknown_model") {
      return new GpuBridgeError(
        `${what} on ${this.serviceUrl} answered 404${said}; check that ${this.options.configPath}.serviceUrl is the ` +
          `GPU Bridge proxy's base URL`,
        status,
        code,
      );
    }
    if (INPUT_ERROR_STATUSES.has(status)) {
      return new ToolInputError(`The GPU Bridge proxy rejected the arguments (${status}${tag})${said}`);
    }
    if (status === 503) {
      return new GpuBridgeError(
        `The GPU Bridge proxy at ${this.serviceUrl} is unavailable (503${tag})${said}${extra}. ` +
          "Retry later, or raise GPU_MAX_TEXTS_IN_FLIGHT on the proxy if it is busy",
        status,
        code,
      );
    }
    return new GpuBridgeError(
      `${what} on ${this.serviceUrl} failed with ${status}${tag}${said}. Check the proxy's log and its inference server`,
      status,
      code,
    );
  }

  private transportError(error: unknown, what: string, options: CallOptions, timeout: AbortSignal): Error {
    if (options.signal?.aborted) {
      return new GpuBridgeError(`${what} on ${this.serviceUrl} was cancelled`, undefined, undefined, { cause: error });
    }
    if (timeout.aborted) {
      return new GpuBridgeError(
        `The GPU Bridge proxy at ${this.serviceUrl} did not answer ${what} within ${seconds(options.timeoutMs)} s. ` +
          `Check that it is running and reachable, or raise ${this.options.configPath}.timeout`,
        undefined,
        undefined,
        { cause: error },
      );
    }
    const reason = networkReason(error);
    return new GpuBridgeError(
      `Cannot reach the GPU Bridge proxy at ${this.serviceUrl} (${reason}). Check that it is running and that ` +
        `${this.options.configPath}.serviceUrl is right`,
      undefined,
      undefined,
      { cause: error },
    );
  }
}

/** Seconds (or an HTTP date) from a Retry-After header, in milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === "") return MIN_RETRY_AFTER_MS;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? MIN_RETRY_AFTER_MS : Math.max(0, date - now);
}

const isRedirect = (status: number) => status >= 300 && status < 400;

/**
 * The body as text, read up to `limit` bytes: a larger Content-Length is refused unread, a longer stream is cancelled
 * there. Reads end with the call's signal (fetch errors the body stream when it aborts).
 */
async function readCapped(response: Response, limit: number): Promise<{ text: string; complete: boolean }> {
  const declared = Number(response.headers.get("content-length"));
  if (!response.body || (Number.isFinite(declared) && declared > limit)) {
    await response.body?.cancel();
    return { text: "", complete: !response.body };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - total));
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString("utf8"), complete: false };
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), complete: true };
}

function readErrorBody(text: string): { detail?: string; code?: string } {
  try {
    const parsed = ErrorBodySchema.partial().safeParse(JSON.parse(text));
    if (parsed.success) {
      const { detail, code } = parsed.data;
      return { ...(detail !== undefined && { detail: clip(String(detail), MAX_DETAIL_CHARS) }), ...(code !== undefined && { code }) };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim() ? { detail: snippet(text) } : {};
}

function networkReason(error: unknown): string {
  // fetch wraps the socket error: TypeError("fetch failed", { cause: { code: "ECONNREFUSED", ... } }).
  let current: unknown = error;
  for (let depth = 0; typeof current === "object" && current !== null && depth < 4; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") return typeof message === "string" && message ? `${code}: ${message}` : code;
    current = cause;
  }
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}

function snippet(text: string): string {
  return clip(text.replace(/\s+/g, " ").trim(), 200);
}
