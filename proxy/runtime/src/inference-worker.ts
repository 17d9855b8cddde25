/**
 * One inference worker thread of the embedded runtime: loads the model repository into sessions of its own and runs
 * the inferences its pool (worker-pool.ts) sends, in batches (BatchScheduler, batching.ts, which tells the whole
 * pipeline). One whose caller went away is dropped if it has not started, or stopped before its next encoder run.
 *
 * Why requests are batched here rather than merged into one job by the pool on the main thread: the encoder call is
 * made inside each model (bertscore tokenizes, dedupes and scores per request), so only the thread that holds the
 * session can put the rows of several requests into one run; and this thread knows when its session frees, so a
 * batch takes every job that came meanwhile without a round trip to the main thread. The pool only bounds what each
 * worker holds (about two batches) and spreads jobs over the workers.
 */
import { parentPort, workerData } from "node:worker_threads";
import { CONFIG_PARAMETERS } from "@gpu-bridge/contract/model-contract";
import { KServeError, notFound } from "@gpu-bridge/kserve/errors";
import { BatchScheduler, type ScheduledJob } from "./batching.js";
import { batchingPolicy, configParameter } from "./model-config.js";
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
    const outputs = await model.infer(inputs, message.parameters, signal);
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

/** The worker's batch scheduler (batching.ts, step 4) over the repository's models. */
function jobRunner(repository: LoadedRepository) {
  const policies = new Map([...repository.models.values()].map((m) => [m.name, batchingPolicy(m.config)]));
  return new BatchScheduler<InferMessage & ScheduledJob>(
    policies,
    (message, signal) => infer(repository, message, signal),
    (message) => send({ type: "cancelled", id: message.id, started: false }),
  );
}

try {
  const repository = await loadRepository(settings.repository, { ...settings, log, logSkipped: false });
  const jobs = jobRunner(repository);
  port.on("message", (message: ToWorker) => {
    if (message.type === "infer") jobs.add({ ...message, rows: message.inputs[0]?.shape[0] ?? 1 });
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
