/**
 * Runs the Node proxy as a real process on a free loopback port (so its memory can be measured on its own) and
 * reads its /metrics.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROXY_MAIN = "proxy/src/node/main.ts";

export interface ProxyProcess {
  readonly url: string;
  readonly pid: number;
  /** Resident set size of the proxy process in bytes. */
  rssBytes(): Promise<number>;
  metrics(apiKey?: string): Promise<string>;
  /** What the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function startProxyProcess(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<ProxyProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", PROXY_MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: "production", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (!running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!running) throw new Error(`proxy exited before it was ready:\n${log}`);
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`proxy not ready after ${readyTimeoutMs} ms:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const pid = child.pid ?? -1;
  return {
    url,
    pid,
    rssBytes: () => rssOf(pid),
    async metrics(apiKey) {
      const response = await fetch(`${url}/metrics`, {
        headers: apiKey ? { "x-api-key": apiKey } : {},
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    },
    output: () => log,
    stop,
  };
}

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Sum of every sample of a Prometheus metric (all label sets), undefined when the metric is absent. */
export function metricValue(metricsText: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of metricsText.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] === name) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}
