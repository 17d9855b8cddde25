/**
 * The proxy on both runtimes behind one interface, for suites that run the same HTTP checks on each: the Node
 * proxy as a real process, and the Workers build under wrangler dev (real workerd). Both point at a KServe v2
 * upstream given by URL, or (Node only) run the embedded runtime themselves.
 */
import { FIXTURE_REPOSITORY } from "../support/fixtures.js";
import { startProxyProcess } from "../support/proxy-process.js";
import { startWranglerDev, wranglerMissing } from "./wrangler-dev.js";

export type Runtime = "node" | "workers";
export const RUNTIMES: readonly Runtime[] = ["node", "workers"];

export interface Target {
  runtime: Runtime;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Models of the fixture repository, named so that requests without a model work. */
export const FIXTURE_DEFAULTS = { MODEL_EMBED: "tiny-bert", MODEL_BERTSCORE: "tiny-roberta" };

/** What starting a runtime needs that is not installed here (`npm ci` installs it), for requirePrerequisites. */
export function missingFor(runtime: Runtime): string[] {
  return runtime === "workers" ? wranglerMissing() : [];
}

/** `upstreamUrl` undefined: the Node proxy's embedded runtime on the fixture repository. */
export async function startTarget(runtime: Runtime, upstreamUrl: string | undefined, vars: Record<string, string>): Promise<Target> {
  const env = { ...FIXTURE_DEFAULTS, LOG_REQUESTS: "false", ...vars };
  if (runtime === "node") {
    const proxy = await startProxyProcess(
      upstreamUrl ? { ...env, TRITON_URL: upstreamUrl } : { ...env, TRITON_URL: "", MODEL_REPOSITORY: FIXTURE_REPOSITORY },
    );
    return { runtime, url: proxy.url, output: proxy.output, stop: proxy.stop };
  }
  if (!upstreamUrl) throw new Error("the Workers build needs an upstream URL");
  const dev = await startWranglerDev({ ...env, TRITON_URL: upstreamUrl });
  return { runtime, url: dev.url, output: dev.output, stop: dev.stop };
}
