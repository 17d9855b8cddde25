/**
 * The proxy's KServe v2 client, its Inference (inference.ts) over HTTP: health, metadata, repository index, model
 * config and inference over a fetch function (a keep-alive undici fetch on Node, plain fetch on Workers). Every
 * call has a deadline; failures become an UpstreamError with a kind the API maps to a status. Web-standard only.
 */
import { readAtMost, readPrefix, type ChunkReader } from "@gpu-bridge/bytes/read-at-most";
import { decodeInferResponse, encodeInferRequest, parseHeaderLength } from "./binary.js";
import { CallDeadline, raceAbort } from "./deadline.js";
import { upstreamMessage } from "./errors.js";
import {
  UpstreamError,
  requestedOutputs,
  type CallOptions,
  type Inference,
  type InferOptions,
  type InferOutputs,
} from "./inference.js";
import type { InferRequestedOutput, ModelConfig, RepositoryIndexEntry, ServerMetadata, Tensor } from "./types.js";

/** One upstream request: what both fetch() and undici's request() take. */
export interface UpstreamRequest {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal: AbortSignal;
  /** Never follow a redirect: it would carry UPSTREAM_HEADERS and the texts to wherever it points. */
  redirect: "manual";
}

/** An answer's body: read chunk by chunk (so its size is counted as it arrives), or dropped. */
export interface UpstreamBody {
  getReader(): ChunkReader;
  /** Drops an unread body (frees the connection). */
  cancel(): Promise<void>;
}

/** The part of an answer the client reads. A web Response is one; Node's pool builds just this (no web streams). */
export interface UpstreamResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: UpstreamBody | null;
}

/** How the client sends: global fetch (Workers) or undici's request() on a keep-alive pool (Node). */
export type FetchFn = (url: string, init: UpstreamRequest) => Promise<UpstreamResponse>;

export interface KServeClientOptions {
  /** Base URL without trailing slash, e.g. `https://triton.example.com`. */
  baseUrl: string;
  fetch: FetchFn;
  /** Deadline of each call in milliseconds. */
  timeoutMs: number;
  /** Headers sent on every call (e.g. an access token of a tunnel in front of Triton). */
  headers?: Record<string, string>;
}

/** Most bytes of an answer to a metadata call (server metadata, repository index, a model's config). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** Most bytes read of an error answer; the message kept is shorter still (errors.ts). */
const MAX_ERROR_BYTES = 64 * 1024;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * Only names the caller took from the repository index reach a URL, always encoded, and never one a URL would
 * normalise away: `encodeURIComponent("..")` is `..`, and `/v2/models/../config` is `/v2/config`.
 */
export function modelPath(model: string): string {
  if (model === "" || model === "." || model === ".." || model.includes("/") || model.includes("\\")) {
    throw new UpstreamError("bad_response", `not a model name a URL can hold: ${JSON.stringify(model.slice(0, 100))}`);
  }
  return `/v2/models/${encodeURIComponent(model)}`;
}

/** The raw fetch error message is often just "fetch failed"; its cause says why. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return `${err.message}: ${cause.message}`;
  return err.message;
}

export class KServeClient implements Inference {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string> | undefined;

  constructor(options: KServeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
    this.timeoutMs = options.timeoutMs;
    this.headers = options.headers && Object.keys(options.headers).length > 0 ? options.headers : undefined;
  }

  get location(): string {
    return this.baseUrl;
  }

  /** GET /v2/health/ready: true when ready, false when the server says it is not; throws when unreachable. */
  async ready(options: CallOptions = {}): Promise<boolean> {
    return this.call("GET", "/v2/health/ready", undefined, options, async (res) => {
      await res.body?.cancel();
      return res.ok;
    });
  }

  async serverMetadata(options: CallOptions = {}): Promise<ServerMetadata> {
    return (await this.json("GET", "/v2", undefined, options)) as ServerMetadata;
  }

  /** POST /v2/repository/index: every model in the repository with its state. */
  async repositoryIndex(options: CallOptions = {}): Promise<RepositoryIndexEntry[]> {
    const body = await this.json("POST", "/v2/repository/index", {}, options);
    if (!Array.isArray(body)) throw new UpstreamError("bad_response", "repository index is not a JSON array");
    return body.filter(
      (entry): entry is RepositoryIndexEntry =>
        typeof entry === "object" && entry !== null && typeof (entry as { name?: unknown }).name === "string",
    );
  }

  async modelConfig(model: string, options: CallOptions = {}): Promise<ModelConfig> {
    const body = await this.json("GET", `${modelPath(model)}/config`, undefined, options);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new UpstreamError("bad_response", "model config is not an object");
    }
    return body as ModelConfig;
  }

  async infer(model: string, inputs: Tensor[], options: InferOptions): Promise<InferOutputs> {
    const outputs: InferRequestedOutput[] = options.outputs.map((name) => ({
      name,
      parameters: { binary_data: options.binary },
    }));
    const message = encodeInferRequest(
      { inputs, outputs, ...(options.parameters ? { parameters: options.parameters } : {}) },
      { binaryInputs: options.binary },
    );
    const maxBytes = options.maxResponseBytes ?? MAX_METADATA_BYTES;
    const decoded = await this.call("POST", `${modelPath(model)}/infer`, message, options, async (res) => {
      if (!res.ok) throw await statusError(this.baseUrl, res);
      const bytes = await readBody(this.baseUrl, res, maxBytes);
      return parseOrThrow(this.baseUrl, () => decodeInferResponse(bytes, parseHeaderLength(res.headers, bytes.byteLength)));
    });
    return requestedOutputs(model, decoded.outputs, options.outputs);
  }

  private json(method: UpstreamRequest["method"], path: string, payload: unknown, options: CallOptions): Promise<unknown> {
    const message =
      payload === undefined
        ? undefined
        : { body: textEncoder.encode(JSON.stringify(payload)), headers: { "content-type": "application/json" } };
    return this.call(method, path, message, options, async (res) => {
      if (!res.ok) throw await statusError(this.baseUrl, res);
      const bytes = await readBody(this.baseUrl, res, MAX_METADATA_BYTES);
      return parseOrThrow(this.baseUrl, () => JSON.parse(textDecoder.decode(bytes)) as unknown);
    });
  }

  /**
   * One HTTP exchange under one deadline: the request and the reading of its answer (`handle`) both count, so a
   * server that sends headers and then stalls still times out. A failure before the answer began is `unreachable`
   * (nothing was computed: the pool may try another upstream); once it began, a cut connection is a `bad_response`.
   */
  private async call<T>(
    method: UpstreamRequest["method"],
    path: string,
    message: { body: Uint8Array; headers: Record<string, string> } | undefined,
    options: CallOptions,
    handle: (res: UpstreamResponse) => Promise<T>,
  ): Promise<T> {
    const deadline = new CallDeadline(options, this.timeoutMs);
    const headers = this.headers && message ? { ...this.headers, ...message.headers } : (message?.headers ?? this.headers);
    const init: UpstreamRequest = {
      method,
      signal: deadline.signal,
      redirect: "manual",
      ...(message ? { body: message.body } : {}),
      ...(headers ? { headers } : {}),
    };
    const failure = (err: unknown, kind: "unreachable" | "bad_response", what: string): UpstreamError => {
      if (err instanceof UpstreamError) return err;
      return deadline.ended(this.baseUrl) ?? new UpstreamError(kind, `${this.baseUrl} ${what}: ${describeFetchError(err)}`);
    };
    try {
      let res: UpstreamResponse;
      try {
        res = await this.fetchFn(`${this.baseUrl}${path}`, init);
      } catch (err) {
        throw failure(err, "unreachable", "unreachable");
      }
      if (res.status >= 300 && res.status < 400) {
        await discard(res);
        const redirect = `${this.baseUrl}${path} answered a redirect (${res.status}); redirects are not followed`;
        throw new UpstreamError("bad_response", redirect, res.status);
      }
      try {
        return await raceAbort(handle(res), deadline.signal);
      } catch (err) {
        throw failure(err, "bad_response", "broke off its answer");
      }
    } finally {
      deadline.dispose();
    }
  }
}

function parseOrThrow<T>(baseUrl: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UpstreamError("bad_response", `unreadable answer from ${baseUrl}: ${(err as Error).message}`);
  }
}

/** Drops an answer's body, closing its connection rather than reading what may be a lot. */
async function discard(res: UpstreamResponse): Promise<void> {
  await res.body?.getReader().cancel().catch(() => {});
}

/**
 * The whole body, or a bad_response once it is larger than `maxBytes`: refused on its Content-Length before a byte
 * is read, else counted as it streams in.
 */
async function readBody(baseUrl: string, res: UpstreamResponse, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new UpstreamError("bad_response", `${baseUrl} answered more than the ${maxBytes} bytes this call can take`);
  if (!res.body) return new Uint8Array(0);
  if (Number(res.headers.get("content-length") ?? 0) > maxBytes) {
    await discard(res);
    throw tooLarge();
  }
  return readAtMost(res.body.getReader(), maxBytes, tooLarge);
}

async function statusError(baseUrl: string, res: UpstreamResponse): Promise<UpstreamError> {
  const none = { bytes: new Uint8Array(0) };
  const { bytes } = res.body ? await readPrefix(res.body.getReader(), MAX_ERROR_BYTES).catch(() => none) : none;
  const message = upstreamMessage(textDecoder.decode(bytes), res.status);
  if (res.status === 400) return new UpstreamError("rejected", message, 400);
  if (res.status === 404 || res.status === 503) return new UpstreamError("unavailable", message, res.status);
  return new UpstreamError("bad_response", `${baseUrl} answered ${res.status}: ${message}`, res.status);
}
