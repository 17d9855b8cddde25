/**
 * The test tritonserver for the Python suites: builds the test repository from a base into a temporary folder,
 * starts the server (tritonserver.ts), prints one JSON line {http, grpc, metrics, repository, log} and serves until
 * its stdin closes, then stops the server and removes the folder.
 *
 *   node --import tsx test/triton/launch.ts --base triton-models [--unexported roberta-large] [-- <tritonserver flags>]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildTestRepository } from "../support/test-repository.js";
import { startTritonServer } from "../support/tritonserver.js";

const { values, positionals } = parseArgs({
  options: { base: { type: "string" }, unexported: { type: "string", multiple: true } },
  allowPositionals: true,
});
if (!values.base) throw new Error("--base <model repository> is required");

const work = await mkdtemp(path.join(os.tmpdir(), "gpu-bridge-triton-"));
const repository = path.join(work, "repository");
const log = path.join(work, "tritonserver.log");
try {
  await buildTestRepository(path.resolve(values.base), repository, { unexported: values.unexported ?? [] });
  const server = await startTritonServer({ repository, args: positionals, logFile: log });
  console.log(JSON.stringify({ http: server.httpUrl, grpc: server.grpcUrl, metrics: server.metricsUrl, repository, log }));
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.stop();
} finally {
  await rm(work, { recursive: true, force: true });
}
