/**
 * The model repository as the HTTP side of the runtime sees it when inference runs in worker threads: the models the
 * workers loaded, each answered by the pool, device_info answered here from the workers' first answer (so /health and
 * /info never wait behind inference). While no worker is up every model is listed unavailable, as Triton lists a
 * model that is loading, so that readiness checks say so.
 */
import type { Parameters, Tensor } from "@gpu-bridge/kserve/types";
import { inferenceSignal } from "./cancellation.js";
import type { LoadedRepository } from "./repository.js";
import type { RuntimeModel } from "./served-model.js";
import type { InferenceWorkers } from "./worker-pool.js";
import type { ModelEntry } from "./worker-protocol.js";

const RESTARTING = "the runtime's inference workers are restarting";

class PooledModel implements RuntimeModel {
  constructor(
    private readonly entry: ModelEntry,
    private readonly workers: InferenceWorkers,
  ) {}

  get name() {
    return this.entry.name;
  }
  get version() {
    return this.entry.version;
  }
  get config() {
    return this.entry.config;
  }
  get metadata() {
    return this.entry.metadata;
  }

  infer(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters, signal?: AbortSignal): Promise<Tensor[]> {
    if (this.entry.constantOutputs) return Promise.resolve(this.entry.constantOutputs);
    return this.workers.infer(this.entry.name, [...inputs.values()], parameters, signal ?? inferenceSignal());
  }
}

export function workerRepository(directory: string, workers: InferenceWorkers): LoadedRepository {
  const { manifest } = workers;
  const models = new Map<string, RuntimeModel>(manifest.models.map((entry) => [entry.name, new PooledModel(entry, workers)]));
  const skipped = new Map(manifest.skipped);
  const none = new Map<string, RuntimeModel>();
  const restarting = new Map([...skipped, ...[...models.keys()].map((name): [string, string] => [name, RESTARTING])]);
  return {
    directory,
    get models() {
      return workers.ready ? models : none;
    },
    get skipped() {
      return workers.ready ? skipped : restarting;
    },
    close: () => workers.close(),
  };
}
