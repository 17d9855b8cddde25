/**
 * One inference worker thread of the embedded runtime: loads the model repository into sessions of its own and runs
 * the inferences its pool (worker-pool.ts) sends, one at a time in the order they came. One whose caller went away
 * is dropped if it has not started, or stopped before its next encoder run.
 */
import { parentPort, workerData } from "node:worker_threads";
import { CONFIG_PARAMETERS } from "@gpu-bridge/contract/model-contract";
import { KServeError, notFound } from "../kserve/errors.js";
import { cancellable } from "./cancellation.js";
import { configParameter } from "./model-config.js";
import { loadRepository, type LoadedRepository } from "./repository.js";
import type { FromWorker, ModelEntry, ToWorker, WorkerSettings } from "./worker-protocol.js";

type InferMessage = Extract<ToWorker, { type: "infer" }>;

if (!parentPort) throw new Error("inference-worker.ts runs as a worker thread (worker-pool.ts starts it)");
const port = parentPort;
const settings = workerData as WorkerSettings;
const send = (message: FromWorker) => port.postMessage(message);
const log = (message: string) => send({ type: "log", message });

async function describe(repository: LoadedRepository): Promise<ModelEntry[]> {
  const entries: ModelEntry[] = [];
  for (const model of repository.models.values()) {
    const { name, version, config, metadata } = model;
    const constant = configParameter(config, CONFIG_PARAMETERS.task) === "device_info";
    entries.push({ name, version, config, metadata, ...(constant ? { constantOutputs: await model.infer(new Map(), {}) } : {}) });
  }
  return entries;
}

async function infer(repository: LoadedRepository, message: InferMessage, signal: AbortSignal): Promise<void> {
  try {
    const model = repository.models.get(message.model);
    if (!model) throw notFound(`Request for unknown model: '${message.model}' is not found`);
    const inputs = new Map(message.inputs.map((tensor) => [tensor.name, tensor]));
    const outputs = await cancellable(signal, () => model.infer(inputs, message.parameters));
    send({ type: "done", id: message.id, outputs });
  } catch (err) {
    if (signal.aborted) {
      send({ type: "cancelled", id: message.id, started: true });
    } else if (err instanceof KServeError) {
      send({ type: "failed", id: message.id, code: err.code, message: err.message });
    } else {
      log(`[runtime] internal error: ${(err as Error)?.stack ?? String(err)}`);
      send({ type: "failed", id: message.id, code: "INTERNAL", message: (err as Error)?.message ?? String(err) });
    }
  }
}

/** Runs the jobs one after the other; `done` settles once none is left. */
function jobRunner(repository: LoadedRepository) {
  const waiting: InferMessage[] = [];
  let current: { id: number; controller: AbortController } | undefined;
  let idle: Promise<void> = Promise.resolve();
  const drain = async () => {
    for (let next = waiting.shift(); next; next = waiting.shift()) {
      current = { id: next.id, controller: new AbortController() };
      await infer(repository, next, current.controller.signal);
      current = undefined;
    }
  };
  return {
    add(message: InferMessage) {
      waiting.push(message);
      if (!current) idle = drain();
    },
    cancel(id: number) {
      const index = waiting.findIndex((m) => m.id === id);
      if (index >= 0) {
        waiting.splice(index, 1);
        send({ type: "cancelled", id, started: false });
      } else if (current?.id === id) {
        current.controller.abort();
      }
    },
    /** Drops what has not started, stops the current job before its next encoder run; settles once it has. */
    stop(): Promise<void> {
      waiting.splice(0);
      current?.controller.abort();
      return idle;
    },
  };
}

try {
  const repository = await loadRepository(settings.repository, { ...settings, log });
  const jobs = jobRunner(repository);
  port.on("message", (message: ToWorker) => {
    if (message.type === "infer") jobs.add(message);
    else if (message.type === "cancel") jobs.cancel(message.id);
    // An onnxruntime run cannot be stopped (terminating the thread inside one aborts the process): the current job
    // ends at its next encoder run, then the sessions are released.
    else void jobs.stop().then(() => repository.close()).finally(() => port.close());
  });
  send({ type: "ready", manifest: { models: await describe(repository), skipped: [...repository.skipped] } });
} catch (err) {
  const error = err instanceof Error ? err : new Error(String(err));
  send({ type: "start-failed", name: error.name, message: error.name === "MissingModelFilesError" ? error.message : (error.stack ?? error.message) });
}
