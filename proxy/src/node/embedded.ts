/** The embedded runtime (onnxruntime-node in worker threads) as an in-process upstream, for Node without TRITON_URL. */
import type { RuntimeConfig } from "../app/config.js";
import type { FetchFn } from "@gpu-bridge/kserve/client";
import type { InferenceWorkers } from "@gpu-bridge/runtime";
import { handlerFetch } from "./upstream-fetch.js";

/** Address the in-process upstream is known by; never resolved, the runtime's handler answers it. */
export const EMBEDDED_URL = "http://embedded-runtime.invalid";

export interface EmbeddedUpstream {
  fetch: FetchFn;
  workers: InferenceWorkers;
  close(): Promise<void>;
}

/** Loaded on demand so that a proxy with TRITON_URL never loads onnxruntime-node. */
export async function startEmbedded(config: RuntimeConfig): Promise<EmbeddedUpstream> {
  const { createWorkerRuntime } = await import("@gpu-bridge/runtime");
  const handle = await createWorkerRuntime({
    ...(config.MODEL_REPOSITORY ? { repository: config.MODEL_REPOSITORY } : {}),
    executionProvider: config.RUNTIME_EXECUTION_PROVIDER,
    workers: config.RUNTIME_WORKERS,
    ...(config.RUNTIME_INTRA_OP_THREADS ? { intraOpThreads: config.RUNTIME_INTRA_OP_THREADS } : {}),
  });
  return { fetch: handlerFetch(handle.fetch), workers: handle.workers, close: () => handle.close() };
}
