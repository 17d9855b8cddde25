/** The embedded runtime (onnxruntime-node) as an in-process upstream, for Node without TRITON_URL. */
import type { FetchFn } from "../kserve/client.js";
import { handlerFetch } from "./upstream-fetch.js";

/** Address the in-process upstream is known by; never resolved, the runtime's handler answers it. */
export const EMBEDDED_URL = "http://embedded-runtime.invalid";

export interface EmbeddedUpstream {
  fetch: FetchFn;
  close(): Promise<void>;
}

/** Loaded on demand so that a proxy with TRITON_URL never loads onnxruntime-node. */
export async function startEmbedded(repository: string | undefined): Promise<EmbeddedUpstream> {
  const { createRuntimeFetch } = await import("../runtime/index.js");
  const handle = await createRuntimeFetch(repository ? { repository } : {});
  return { fetch: handlerFetch(handle.fetch), close: () => handle.close() };
}
