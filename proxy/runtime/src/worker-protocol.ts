/** The messages between the inference workers (inference-worker.ts) and their pool (worker-pool.ts). */
import type { KServeErrorCode } from "@gpu-bridge/kserve/errors";
import type { ModelConfig, ModelMetadata, Parameters, Tensor } from "@gpu-bridge/kserve/types";
import type { SessionOptions } from "./encoder.js";

/** What a worker is started with (its workerData). */
export interface WorkerSettings extends SessionOptions {
  repository: string;
}

export interface ModelEntry {
  name: string;
  version: string;
  config: ModelConfig;
  metadata: ModelMetadata;
  /**
   * A model that takes no input and answers the same every time (device_info): its outputs, computed once when
   * the worker started, so that the pool answers it without waiting for a worker.
   */
  constantOutputs?: Tensor[];
}

/** What a worker serves, sent once it has loaded the repository. */
export interface WorkerManifest {
  models: ModelEntry[];
  /** Models found but not served, with the reason. */
  skipped: [string, string][];
}

export type ToWorker =
  | { type: "infer"; id: number; model: string; inputs: Tensor[]; parameters: Parameters }
  /** The caller went away: start no further encoder run for this inference. */
  | { type: "cancel"; id: number }
  /** Release the sessions and end the thread. */
  | { type: "close" };

export type FromWorker =
  | { type: "ready"; manifest: WorkerManifest }
  | { type: "start-failed"; name: string; message: string }
  | { type: "log"; message: string }
  | { type: "done"; id: number; outputs: Tensor[] }
  | { type: "failed"; id: number; code: KServeErrorCode; message: string }
  /** Ended by a cancel: dropped before it started, or stopped before one of its encoder runs. */
  | { type: "cancelled"; id: number; started: boolean };
