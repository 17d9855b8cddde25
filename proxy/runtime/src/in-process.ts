/**
 * The runtime as an Inference (@gpu-bridge/kserve/inference) called in process: what the proxy uses without
 * TRITON_URL. Tensors go to the models as they are, with no HTTP message, codec or byte limit between; the checks
 * Triton's core makes (served-model.ts), the call's deadline and its caller's signal are kept, and failures are the
 * UpstreamErrors the KServe v2 client would give for the same answers over HTTP.
 */
import { CallDeadline, raceAbort } from "@gpu-bridge/kserve/deadline";
import { HTTP_STATUS, toKServeError, upstreamMessage } from "@gpu-bridge/kserve/errors";
import {
  UpstreamError,
  requestedOutputs,
  type Inference,
  type InferOptions,
  type InferOutputs,
} from "@gpu-bridge/kserve/inference";
import type { ModelConfig, RepositoryIndexEntry, ServerMetadata, Tensor } from "@gpu-bridge/kserve/types";
import type { LoadedRepository } from "./repository.js";
import { checkInputs, type RuntimeModel } from "./served-model.js";
import { repositoryIndex, serverMetadata } from "./server-description.js";

/** What the in-process runtime is called in logs and messages, where an upstream gives its URL. */
export const IN_PROCESS_LOCATION = "the embedded runtime";

export interface InProcessOptions {
  /** Deadline of each inference in milliseconds (the proxy's UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Where internal errors are reported with their stack (default console.error). */
  log?: (message: string) => void;
}

export class InProcessInference implements Inference {
  readonly location = IN_PROCESS_LOCATION;
  private readonly log: (message: string) => void;

  constructor(
    private readonly repository: LoadedRepository,
    private readonly options: InProcessOptions,
  ) {
    this.log = options.log ?? ((m: string) => console.error(m));
  }

  ready(): Promise<boolean> {
    return Promise.resolve(this.repository.models.size > 0);
  }

  serverMetadata(): Promise<ServerMetadata> {
    return Promise.resolve(serverMetadata());
  }

  repositoryIndex(): Promise<RepositoryIndexEntry[]> {
    return Promise.resolve(repositoryIndex(this.repository));
  }

  async modelConfig(model: string): Promise<ModelConfig> {
    return this.model(model).config;
  }

  async infer(model: string, inputs: Tensor[], options: InferOptions): Promise<InferOutputs> {
    const deadline = new CallDeadline(options, this.options.timeoutMs);
    try {
      const served = this.model(model);
      const request = { inputs, outputs: options.outputs.map((name) => ({ name })) };
      const checked = checkInputs(served, request);
      // A caller that goes away (client closed, deadline passed) stops the inference before its next encoder run.
      const work = served.infer(checked, options.parameters ?? {}, deadline.signal);
      return requestedOutputs(model, await raceAbort(work, deadline.signal), options.outputs);
    } catch (err) {
      throw deadline.ended(this.location) ?? this.failure(err);
    } finally {
      deadline.dispose();
    }
  }

  private model(name: string): RuntimeModel {
    const found = this.repository.models.get(name);
    if (!found) throw new UpstreamError("unavailable", `Request for unknown model: '${name}' is not found`, HTTP_STATUS.NOT_FOUND);
    return found;
  }

  /** A model's error as the KServe v2 client reads the same error from the runtime's server (client.ts statusError). */
  private failure(err: unknown): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const error = toKServeError(err);
    const status = error.status;
    if (error.code === "INTERNAL") this.log(`[runtime] internal error: ${(err as Error)?.stack ?? String(err)}`);
    const message = upstreamMessage(error.message, status);
    if (status === 400) return new UpstreamError("rejected", message, status);
    if (status === 404 || status === 503) return new UpstreamError("unavailable", message, status);
    return new UpstreamError("bad_response", `${this.location} answered ${status}: ${message}`, status);
  }
}
