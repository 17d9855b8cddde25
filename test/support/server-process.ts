/**
 * A server run as a child process on a free loopback port: its output kept for failure messages, ready once
 * `readyPath` answers, stopped with SIGTERM and then SIGKILL. The proxy (proxy-process.ts) and the benches' peers
 * (bench/peer-servers.ts) run this way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { REPO_ROOT } from "./fixtures.js";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface ServerProcessOptions {
  /** For messages. */
  name: string;
  command: string;
  args: (port: number) => string[];
  env: (port: number) => NodeJS.ProcessEnv;
  readyPath: string;
  /** Whether an answer from `readyPath` means ready (default: any answer). */
  isReady?: (response: Response) => boolean;
  readyTimeoutMs: number;
  /** How long SIGTERM has before SIGKILL. */
  stopGraceMs: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** What the process printed (its last 20,000 characters). */
  output(): string;
  stop(): Promise<void>;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(options.command, options.args(port), { cwd: REPO_ROOT, env: options.env(port), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!running()) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), options.stopGraceMs);
    await exited;
    clearTimeout(timer);
  };

  const isReady = options.isReady ?? (() => true);
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (!running()) throw new Error(`${options.name} exited before it was ready:\n${log}`);
    const ready = await fetch(url + options.readyPath, { signal: AbortSignal.timeout(2_000) }).then(isReady, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} not ready after ${options.readyTimeoutMs} ms:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, pid: child.pid ?? -1, output: () => log, stop };
}
