/**
 * Processes for the OpenClaw end-to-end suite: the real `openclaw` CLI and Gateway (on the Node 24 that
 * run.sh installs) in a throw-away OPENCLAW_HOME, and the real proxy on the embedded runtime. Every wait is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const repoRoot = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through test/openclaw/run.sh`);
  return value;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killing it (and failing) past `timeoutMs`. */
export async function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<CommandResult> {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd ?? repoRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), options.timeoutMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  if (code === null) {
    throw new Error(`${command} ${args.join(" ")} did not finish within ${options.timeoutMs} ms\n${stdout}\n${stderr}`);
  }
  return { code, stdout, stderr };
}

/** A loopback port that was free a moment ago (the Gateway takes --port; it has no port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls until `probe` resolves true, failing after `timeoutMs` with `describe()` in the message. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
}

/** The real proxy (`proxy/src/node/main.ts`) serving the test models (or `repository`) with the embedded runtime. */
export async function startProxy(
  apiKey: string,
  repository = join(repoRoot, "test/fixtures/model-repository"),
): Promise<{ url: string; child: ChildProcess; log: () => string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MODEL_REPOSITORY: repository,
    HOST: "127.0.0.1",
    PORT: "0",
    API_KEY: apiKey,
    LOG_REQUESTS: "true",
  };
  const child = spawn(process.execPath, ["--import", "tsx", "proxy/src/node/main.ts"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let url: string | undefined;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`proxy exited: ${output}`);
      const line = output.split("\n").find((l) => l.includes('"msg":"listening"'));
      url ??= line ? (JSON.parse(line) as { url: string }).url : undefined;
      return url !== undefined && (await fetch(`${url}/health`)).ok;
    },
    60_000,
    () => `the proxy to listen and be healthy; output so far:\n${output}`,
  );
  return { url: url as string, child, log: () => output };
}

/** One OpenClaw installation state: its own home, config file and CLI environment. */
export class OpenClawHome {
  readonly dir = mkdtempSync(join(tmpdir(), "gpu-bridge-openclaw-"));
  readonly logFile = join(this.dir, "gateway.log");
  private readonly node = requiredEnv("OPENCLAW_E2E_NODE");
  private readonly entry = requiredEnv("OPENCLAW_E2E_ENTRY");

  /** Settings that keep OpenClaw off the network: no update check, no remote model catalogue; logs stay here. */
  readonly seed = {
    update: { checkOnStart: false },
    models: { catalogRefresh: { enabled: false } },
    logging: { file: join(this.dir, "openclaw-file.log") },
  };
  readonly stateDir = join(this.dir, ".openclaw");

  get env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith("npm_") && !key.startsWith("OPENCLAW_")) env[key] = value;
    }
    return {
      ...env,
      PATH: `${this.node.replace(/\/node$/, "")}:${process.env.PATH ?? ""}`,
      HOME: this.dir,
      OPENCLAW_HOME: this.dir,
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_SKIP_CHANNELS: "1",
      OPENCLAW_SKIP_CRON: "1",
      NO_COLOR: "1",
      npm_config_update_notifier: "false",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    };
  }

  /** Runs `openclaw <args>` (with `env` added); fails the test with its output when it exits non-zero. */
  async cli(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const result = await run(this.node, [this.entry, ...args], { env: { ...this.env, ...env }, timeoutMs });
    if (result.code !== 0) {
      throw new Error(`openclaw ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /** Writes the network-quiet settings (plus `extra`) before the first CLI call creates the config file. */
  writeSeedConfig(extra: Record<string, unknown> = {}): void {
    const file = join(this.stateDir, "openclaw.json");
    mkdirSync(this.stateDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ ...this.seed, ...extra }, null, 2), { flag: "wx" });
  }

  /** Writes a file under the default agent workspace (`~/.openclaw/workspace`). */
  writeWorkspaceFile(path: string, text: string): void {
    const file = join(this.stateDir, "workspace", path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  readConfig(): Record<string, unknown> {
    return JSON.parse(readFileSync(join(this.stateDir, "openclaw.json"), "utf8")) as Record<string, unknown>;
  }

  /** `openclaw gateway run` on loopback with token auth; resolves once GET /health answers. */
  async startGateway(token: string): Promise<{ url: string; child: ChildProcess; log: () => string }> {
    const port = await freePort();
    const child = spawn(
      this.node,
      [this.entry, "gateway", "run", "--allow-unconfigured", "--bind", "loopback", "--auth", "token", "--token", token, "--port", String(port)],
      { env: this.env, cwd: this.dir, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const logStream = createWriteStream(this.logFile);
    child.stdout?.pipe(logStream, { end: false });
    child.stderr?.pipe(logStream, { end: false });
    const url = `http://127.0.0.1:${port}`;
    const log = () => readFileSync(this.logFile, "utf8");
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${log()}`);
        return (await fetch(`${url}/health`)).ok;
      },
      120_000,
      () => `the Gateway on ${url}; log so far:\n${log()}`,
    );
    return { url, child, log };
  }
}
