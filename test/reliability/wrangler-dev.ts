/**
 * Runs the proxy's Workers build under `wrangler dev` (real workerd) on a free loopback port, with its vars given
 * on the command line, so the same HTTP suites run against both runtimes.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/server-process.js";
import { REPO_ROOT } from "../support/fixtures.js";

export const WRANGLER_CONFIG = join(REPO_ROOT, "proxy", "wrangler.toml");

export interface WranglerDev {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** What wrangler dev needs that is not installed here (`npm ci` installs it). */
export function wranglerMissing(): string[] {
  return existsSync(join(REPO_ROOT, "node_modules", ".bin", "wrangler")) ? [] : ["node_modules/.bin/wrangler"];
}

export async function startWranglerDev(vars: Record<string, string>, readyTimeoutMs = 90_000): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "dev",
    "--config",
    WRANGLER_CONFIG,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--local",
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "wrangler"), args, {
    cwd: join(REPO_ROOT, "proxy"),
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      CI: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let running = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => (running = false));

  // wrangler starts workerd as a child: signal the whole process group so nothing outlives the test.
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!running) return;
    signalGroup("SIGTERM");
    const timer = setTimeout(() => signalGroup("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    signalGroup("SIGKILL");
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!running) throw new Error(`wrangler dev exited before it was ready:\n${log}`);
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev not ready after ${readyTimeoutMs} ms:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return { url, output: () => log, stop };
}
