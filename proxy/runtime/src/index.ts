/**
 * The embedded runtime: serves a Triton model repository with onnxruntime-node, in process as an Inference
 * (in-process.ts, what the proxy uses) and over KServe v2 (kserve-server.ts). Inference runs in worker threads
 * (`createWorkerRuntime`, what the proxy and the standalone server use) or on the calling thread
 * (`createRuntimeFetch`, for tests that read the runtime's answers in process); `startRuntimeServer` serves either
 * on a loopback port. Node only.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createKServeApp, type KServeServerOptions } from "./kserve-server.js";
import { loadRepository, type LoadedRepository, type RepositoryOptions } from "./repository.js";
import { InferenceWorkers } from "./worker-pool.js";
import { workerRepository } from "./worker-repository.js";
import { DEFAULT_MODEL_REPOSITORY } from "./default-repository.js";

export { MissingModelFilesError, loadRepository, type LoadedRepository } from "./repository.js";
export { InferenceWorkers, type WorkerStats } from "./worker-pool.js";
export { configParameter, parseModelConfig } from "./model-config.js";
export { IN_PROCESS_LOCATION, InProcessInference, type InProcessOptions } from "./in-process.js";
export type { BertScoreModel } from "./text-models.js";

export { DEFAULT_MODEL_REPOSITORY } from "./default-repository.js";

export interface RuntimeOptions extends RepositoryOptions, KServeServerOptions {
  /** Model repository directory (default MODEL_REPOSITORY, else DEFAULT_MODEL_REPOSITORY). */
  repository?: string;
}

export interface RuntimeHandle {
  fetch: (request: Request) => Promise<Response>;
  repository: LoadedRepository;
  close(): Promise<void>;
}

/** Loads the repository (sessions created once, here) and answers KServe v2 requests on this thread. */
export async function createRuntimeFetch(options: RuntimeOptions = {}): Promise<RuntimeHandle> {
  const repository = await loadRepository(options.repository ?? DEFAULT_MODEL_REPOSITORY, options);
  const app = createKServeApp(repository, options);
  return {
    fetch: async (request: Request) => app.fetch(request),
    repository,
    close: () => repository.close(),
  };
}

export interface WorkerRuntimeOptions extends RuntimeOptions {
  /** Worker threads, each with its own sessions (default 1). */
  workers?: number;
}

export interface WorkerRuntimeHandle extends RuntimeHandle {
  workers: InferenceWorkers;
}

/**
 * Answers KServe v2 requests on this thread and runs their inference in worker threads, so that this thread's
 * event loop stays free (worker-pool.ts).
 */
export async function createWorkerRuntime(options: WorkerRuntimeOptions = {}): Promise<WorkerRuntimeHandle> {
  const directory = options.repository ?? DEFAULT_MODEL_REPOSITORY;
  const workers = await InferenceWorkers.start({
    repository: directory,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}),
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const repository = workerRepository(directory, workers);
  const app = createKServeApp(repository, options);
  return {
    fetch: async (request: Request) => app.fetch(request),
    repository,
    workers,
    close: () => workers.close(),
  };
}

export interface RuntimeServer {
  url: string;
  port: number;
  handle: RuntimeHandle;
  close(): Promise<void>;
}

/** Starts the runtime as a standalone KServe v2 server (Triton stand-in), on 127.0.0.1 by default. */
export async function startRuntimeServer(
  options: RuntimeOptions & { host?: string; port?: number; handle?: RuntimeHandle } = {},
): Promise<RuntimeServer> {
  const handle = options.handle ?? (await createRuntimeFetch(options));
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: handle.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    handle,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.handle) await handle.close();
    },
  };
}
