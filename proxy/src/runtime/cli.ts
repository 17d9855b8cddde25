/**
 * Standalone runtime server, a Triton stand-in on loopback:
 *   npm run runtime -w proxy -- --port 8000 --model-repository DIR [--host 127.0.0.1] [--cuda] [--threads N]
 */
import { parseArgs } from "node:util";
import { MissingModelFilesError, startRuntimeServer } from "./index.js";

const USAGE = `usage: runtime [--port 8000] [--host 127.0.0.1] [--model-repository DIR] [--cuda] [--threads N]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: process.env.RUNTIME_PORT ?? "8000" },
      host: { type: "string", default: "127.0.0.1" },
      "model-repository": { type: "string" },
      cuda: { type: "boolean", default: false },
      threads: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}\n${USAGE}`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) throw new Error(`invalid --threads ${values.threads}`);
  const server = await startRuntimeServer({
    host: values.host,
    port,
    ...(values["model-repository"] ? { repository: values["model-repository"] } : {}),
    ...(values.cuda ? { executionProvider: "cuda" as const } : {}),
    ...(threads ? { intraOpThreads: threads } : {}),
  });
  const models = [...server.handle.repository.models.keys()].join(", ");
  console.log(`runtime listening on ${server.url} (KServe v2) serving ${models}`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof MissingModelFilesError ? err.message : (err as Error)?.stack ?? String(err));
  process.exit(1);
});
