/**
 * Standalone runtime server, a Triton stand-in on loopback:
 *   npm run runtime -- --port 8000 --model-repository DIR [--host 127.0.0.1] [--cuda] [--workers N] [--threads N]
 * Flags override the runtime's settings from the environment (MODEL_REPOSITORY, RUNTIME_*; config.ts, README.md).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "@gpu-bridge/contract/config";
import { parseRuntimeServerConfig } from "./config.js";
import { MissingModelFilesError, createWorkerRuntime, startRuntimeServer } from "./index.js";

const USAGE = `usage: runtime [--port 8000] [--host 127.0.0.1] [--model-repository DIR] [--cuda] [--workers N] [--threads N]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      "model-repository": { type: "string" },
      cuda: { type: "boolean", default: false },
      workers: { type: "string" },
      threads: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // the flags go through the same checks as the environment variables they stand for
  const settings = parseRuntimeServerConfig({
    ...process.env,
    ...(values.port !== undefined ? { RUNTIME_PORT: values.port } : {}),
    ...(values["model-repository"] ? { MODEL_REPOSITORY: values["model-repository"] } : {}),
    ...(values.cuda ? { RUNTIME_EXECUTION_PROVIDER: "cuda" } : {}),
    ...(values.workers !== undefined ? { RUNTIME_WORKERS: values.workers } : {}),
    ...(values.threads !== undefined ? { RUNTIME_INTRA_OP_THREADS: values.threads } : {}),
  });
  const handle = await createWorkerRuntime({
    ...(settings.MODEL_REPOSITORY ? { repository: settings.MODEL_REPOSITORY } : {}),
    executionProvider: settings.RUNTIME_EXECUTION_PROVIDER,
    workers: settings.RUNTIME_WORKERS,
    ...(settings.RUNTIME_INTRA_OP_THREADS ? { intraOpThreads: settings.RUNTIME_INTRA_OP_THREADS } : {}),
  });
  const server = await startRuntimeServer({ host: values.host, port: settings.RUNTIME_PORT, handle });
  const models = [...handle.repository.models.keys()].join(", ");
  console.log(`runtime listening on ${server.url} (KServe v2) serving ${models}`);
  // the workers leave the models they skipped to this start-up output (repository.ts, logSkipped)
  for (const [name, reason] of handle.repository.skipped) console.log(`runtime skipped model ${name}: ${reason}`);
  const stop = () => {
    void server
      .close()
      .then(() => handle.close())
      .then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  // a worker's MissingModelFilesError arrives as an Error of that name
  const known = err instanceof ConfigError || (err as Error)?.name === MissingModelFilesError.name;
  console.error(known ? (err as Error).message : ((err as Error)?.stack ?? String(err)));
  process.exit(1);
});
