/** An Inference that passes every call on to another, but those a test replaces (to record calls, or to alter answers). */
import type { Inference } from "@gpu-bridge/kserve/inference";

export function passingInference(inner: Inference, replaced: Partial<Inference> = {}): Inference {
  return {
    location: inner.location,
    ready: (options) => inner.ready(options),
    serverMetadata: (options) => inner.serverMetadata(options),
    repositoryIndex: (options) => inner.repositoryIndex(options),
    modelConfig: (model, options) => inner.modelConfig(model, options),
    infer: (model, inputs, options) => inner.infer(model, inputs, options),
    ...replaced,
  };
}
