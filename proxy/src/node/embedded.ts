/** The embedded runtime (onnxruntime-node in worker threads) as the in-process upstream, for Node without TRITON_URL. */
import type { Config } from "../app/config.js";
import type { UpstreamEndpoint } from "../app/upstream/pool.js";
import type { InferenceWorkers } from "@gpu-bridge/runtime";

export interface EmbeddedUpstream {
  endpoints: UpstreamEndpoint[];
  workers: InferenceWorkers;
  close(): Promise<void>;
}

/** Loaded on demand so that a proxy with TRITON_URL never loads onnxruntime-node. */
export async function startEmbedded(config: Config): Promise<EmbeddedUpstream> {
  const { createWorkerRuntime, InProcessInference } = await import("@gpu-bridge/runtime");
  const handle = await createWorkerRuntime({
    ...(config.MODEL_REPOSITORY ? { repository: config.MODEL_REPOSITORY } : {}),
    executionProvider: config.RUNTIME_EXECUTION_PROVIDER,
    workers: config.RUNTIME_WORKERS,
    ...(config.RUNTIME_INTRA_OP_THREADS ? { intraOpThreads: config.RUNTIME_INTRA_OP_THREADS } : {}),
  });
  const inference = new InProcessInference(handle.repository, { timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  return { endpoints: [{ inference }], workers: handle.workers, close: () => handle.close() };
}
