/**
 * The one interface the proxy infers through: ready, server metadata, the repository index, a model's config and
 * inference with tensors, outputs, parameters and an abort signal. The KServe v2 client (client.ts) implements it
 * over HTTP, the embedded runtime in process (@gpu-bridge/runtime); failures of either are an UpstreamError whose
 * kind the API maps to a status. Web-standard only.
 */
import type { ModelConfig, Parameters, RepositoryIndexEntry, ServerMetadata, Tensor } from "./types.js";

export interface CallOptions {
  /** Aborts the call when the caller goes away. */
  signal?: AbortSignal;
  /** Overrides the deadline of the inference server's calls. */
  timeoutMs?: number;
}

export interface InferOptions extends CallOptions {
  parameters?: Parameters;
  outputs: string[];
  /** Over HTTP: binary tensors in the request and the response (Triton's binary extension); false: JSON tensors. */
  binary: boolean;
  /** Over HTTP: most bytes the answer may have (what the outputs can take for this input). */
  maxResponseBytes?: number;
}

/** The outputs of an inference, by name: every output asked for, no other. */
export type InferOutputs = Map<string, Tensor>;

export interface Inference {
  /** Where it answers: a base URL, or the name of the in-process runtime (logs and messages). */
  readonly location: string;
  /** Whether the server says it is ready; throws when it cannot be asked. */
  ready(options?: CallOptions): Promise<boolean>;
  serverMetadata(options?: CallOptions): Promise<ServerMetadata>;
  /** Every model in the repository with its state. */
  repositoryIndex(options?: CallOptions): Promise<RepositoryIndexEntry[]>;
  modelConfig(model: string, options?: CallOptions): Promise<ModelConfig>;
  infer(model: string, inputs: Tensor[], options: InferOptions): Promise<InferOutputs>;
}

export type UpstreamErrorKind =
  /** The server rejected the request (400): bad input. */
  | "rejected"
  /** The server said it is not ready (503) or the model is unknown to it (404). */
  | "unavailable"
  /** Connection refused/reset, DNS, TLS: nothing usable came back. */
  | "unreachable"
  /** The deadline passed. */
  | "timeout"
  /** The caller went away (client disconnect). */
  | "aborted"
  /** A 5xx or an answer we cannot read. */
  | "bad_response";

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | undefined;

  constructor(kind: UpstreamErrorKind, message: string, status?: number) {
    super(message);
    this.name = "UpstreamError";
    this.kind = kind;
    this.status = status;
  }
}

/** Picks the outputs asked for, in their order; one that is missing is the server's fault. */
export function requestedOutputs(model: string, all: Iterable<Tensor>, wanted: readonly string[]): InferOutputs {
  const byName: InferOutputs = new Map();
  for (const tensor of all) if (wanted.includes(tensor.name)) byName.set(tensor.name, tensor);
  for (const name of wanted) {
    if (!byName.has(name)) throw new UpstreamError("bad_response", `infer response of ${model} lacks output ${name}`);
  }
  return byName;
}
