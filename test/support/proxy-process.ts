/**
 * Runs the Node proxy as a real process on a free loopback port (so its memory can be measured on its own) and
 * reads its /metrics.
 */
import { readFile } from "node:fs/promises";
import { startServerProcess } from "./server-process.js";

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

export async function startProxyProcess(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<ProxyProcess> {
  const server = await startServerProcess({
    name: "proxy",
    command: process.execPath,
    args: () => ["--import", "tsx", PROXY_MAIN],
    env: (port) => ({ ...process.env, NODE_ENV: "production", ...env, PORT: String(port), HOST: "127.0.0.1" }),
    readyPath: "/health",
    readyTimeoutMs,
    stopGraceMs: 5_000,
  });
  const { url, pid } = server;
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
    output: server.output,
    stop: server.stop,
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
