/**
 * A real Triton Inference Server on loopback for the test suites: the tritonserver of PyPI's nvidia-pytriton wheel
 * that `npm run setup` unpacks into .cache/triton/ (CPU only), with the models' Python (a venv of Debian's
 * python3.11, which the backend's stub embeds) first on PATH. It can be killed as a crashed server would be and
 * started again on the same ports. test/triton/launch.ts offers the same server to the Python suites.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { freePort } from "./server-process.js";
import { REPO_ROOT } from "./fixtures.js";

/** What scripts/setup.sh installs: the unpacked wheel and the models' Python. */
export const TRITON_HOME = path.join(REPO_ROOT, ".cache", "triton");
const SERVER_DIR = path.join(TRITON_HOME, "server", "pytriton", "tritonserver");
const TRITONSERVER = path.join(SERVER_DIR, "bin", "tritonserver");
const MODELS_PYTHON_BIN = path.join(TRITON_HOME, "python", "bin");

/** Triton starts HTTP only after every model has loaded (or failed to): minutes on a busy 2-core machine. */
const READY_TIMEOUT_MS = 300_000;
const LOG_LIMIT = 400_000;

export interface TritonServerOptions {
  repository: string;
  /** More tritonserver flags, after the harness's own (a later flag wins). */
  args?: string[];
  /** Also write the server's output to this file, as it comes. */
  logFile?: string;
}

export interface TritonServer {
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** `127.0.0.1:<port>` (what tritonclient's gRPC client takes) */
  readonly grpcUrl: string;
  readonly metricsUrl: string;
  /** How often the server was started again after a kill. */
  readonly restarts: number;
  /** Everything the server printed (the last LOG_LIMIT characters). */
  log(): string;
  /** SIGKILL to the server and its backend stubs, as a crash; the shared-memory regions it leaves are removed. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and waits until it answers. */
  restart(): Promise<void>;
  /** SIGTERM, and SIGKILL when it does not exit in time. */
  stop(): Promise<void>;
}

/** Why no real Triton can start here (setup not run), or undefined. */
export function tritonMissing(): string | undefined {
  if (!existsSync(TRITONSERVER)) return `${TRITONSERVER} is missing: run \`npm run setup\``;
  if (!existsSync(path.join(MODELS_PYTHON_BIN, "python3"))) return `${MODELS_PYTHON_BIN}/python3 is missing: run \`npm run setup\``;
  return undefined;
}

export async function startTritonServer(options: TritonServerOptions): Promise<TritonServer> {
  const missing = tritonMissing();
  if (missing) throw new Error(missing);
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  // python_backend names its /dev/shm regions with this prefix: what a killed server leaves is found and removed
  const shmPrefix = `gpu_bridge_test_${process.pid}_${http}_`;
  const args = [
    `--model-repository=${options.repository}`,
    `--backend-directory=${path.join(SERVER_DIR, "backends")}`,
    "--http-address=127.0.0.1",
    "--grpc-address=127.0.0.1",
    "--metrics-address=127.0.0.1",
    `--http-port=${http}`,
    `--grpc-port=${grpc}`,
    `--metrics-port=${metrics}`,
    "--model-control-mode=none",
    "--disable-auto-complete-config",
    "--exit-timeout-secs=5",
    `--backend-config=python,shm-region-prefix-name=${shmPrefix}`,
    ...(options.args ?? []),
  ];
  const httpUrl = `http://127.0.0.1:${http}`;
  let log = "";
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let restarts = 0;

  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_LIMIT);
    logFile?.write(chunk);
  };

  const removeShm = async () => {
    const names = await readdir("/dev/shm").catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(shmPrefix)).map((n) => rm(path.join("/dev/shm", n), { force: true })));
  };

  const signal = (sig: NodeJS.Signals) => {
    // the server leads its own process group: the backend stubs go with it
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, sig);
  };

  const launch = async () => {
    const proc = spawn(TRITONSERVER, args, {
      cwd: REPO_ROOT,
      detached: true,
      env: { ...process.env, PATH: `${MODELS_PYTHON_BIN}:${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`tritonserver exited (${proc.exitCode ?? proc.signalCode}) before it answered:\n${log.slice(-8000)}`);
      }
      const live = await fetch(`${httpUrl}/v2/health/live`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (live) return;
      if (Date.now() > deadline) {
        signal("SIGKILL");
        throw new Error(`tritonserver did not answer within ${READY_TIMEOUT_MS} ms:\n${log.slice(-8000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const kill = async () => {
    signal("SIGKILL");
    await exited;
    await removeShm();
  };

  const stop = async () => {
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
    await removeShm();
    await new Promise<void>((resolve) => (logFile ? logFile.end(resolve) : resolve()));
  };

  try {
    await launch();
  } catch (err) {
    await kill();
    throw err;
  }
  return {
    httpUrl,
    grpcUrl: `127.0.0.1:${grpc}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    get restarts() {
      return restarts;
    },
    log: () => log,
    kill,
    async restart() {
      await kill();
      await launch();
      restarts += 1;
    },
    stop,
  };
}
