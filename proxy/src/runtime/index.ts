/**
 * The embedded runtime: serves a Triton model repository over KServe v2 with onnxruntime-node, in process
 * (`createRuntimeFetch`) or on a loopback port (`startRuntimeServer`). Node only.
 */
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createKServeApp, type KServeServerOptions } from "./kserve-server.js";
import { loadRepository, type LoadedRepository, type RepositoryOptions } from "./repository.js";

export { MissingModelFilesError, loadRepository, type LoadedRepository } from "./repository.js";

/** The repository's triton-models/, resolved from this package (same depth from src/runtime and dist/runtime). */
export const DEFAULT_MODEL_REPOSITORY = fileURLToPath(new URL("../../../triton-models", import.meta.url));

export interface RuntimeOptions extends RepositoryOptions, KServeServerOptions {
  /** Model repository directory (default MODEL_REPOSITORY, else the repository's triton-models/). */
  repository?: string;
}

export interface RuntimeHandle {
  fetch: (request: Request) => Promise<Response>;
  repository: LoadedRepository;
  close(): Promise<void>;
}

export function runtimeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeOptions {
  const provider = env.RUNTIME_EXECUTION_PROVIDER?.toLowerCase();
  const threads = Number(env.RUNTIME_INTRA_OP_THREADS ?? 0);
  return {
    ...(env.MODEL_REPOSITORY ? { repository: env.MODEL_REPOSITORY } : {}),
    ...(provider === "cuda" || provider === "cpu" ? { executionProvider: provider } : {}),
    ...(Number.isInteger(threads) && threads > 0 ? { intraOpThreads: threads } : {}),
  };
}

/** Loads the repository (sessions created once, here) and answers KServe v2 requests in process. */
export async function createRuntimeFetch(options: RuntimeOptions = {}): Promise<RuntimeHandle> {
  const merged = { ...runtimeOptionsFromEnv(), ...options };
  const repository = await loadRepository(merged.repository ?? DEFAULT_MODEL_REPOSITORY, merged);
  const app = createKServeApp(repository, merged);
  return {
    fetch: async (request: Request) => app.fetch(request),
    repository,
    close: () => repository.close(),
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
