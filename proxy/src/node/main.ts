/** `npm start`: the proxy on Node. Without TRITON_URL it serves MODEL_REPOSITORY with the embedded runtime. */
import { InfoResponseSchema, type InfoResponse } from "@gpu-bridge/contract/schemas";
import { startProxy, type RunningProxy } from "./server.js";
import { startSummary } from "./start-summary.js";

/** A start that fails on the listen address gets one line naming the settings that change it, without a stack. */
function failureMessage(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
    const { address, port } = err as { address?: string; port?: number };
    const where = `${address ?? "?"}:${port ?? "?"}`;
    const why = code === "EADDRINUSE" ? "is already in use (another proxy still running?)" : code === "EACCES" ? "is not allowed to this user" : "is not an address of this machine";
    return `${where} ${why}: set PORT (and HOST) to another, e.g. PORT=8766 npm start`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** How long the summary waits for /info: a Triton that is still loading must not hold it up for UPSTREAM_TIMEOUT_MS. */
const INFO_WAIT_MS = 5_000;

/** /info as a client on loopback would get it; undefined when the upstream is not ready yet. */
async function readInfo(proxy: RunningProxy): Promise<InfoResponse | undefined> {
  const { config } = proxy.services;
  const headers: Record<string, string> = config.API_KEY ? { "x-api-key": config.API_KEY } : {};
  const info = proxy
    .fetch(new Request("http://127.0.0.1/info", { headers }))
    .then(async (response) => (response.ok ? InfoResponseSchema.parse(await response.json()) : undefined))
    .catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), INFO_WAIT_MS)));
  try {
    return await Promise.race([info, late]);
  } finally {
    clearTimeout(timer);
  }
}

try {
  const proxy = await startProxy(process.env);
  const { backend, config } = proxy.services;
  const upstream = backend === "embedded" ? "embedded runtime (onnxruntime-node, CPU)" : config.TRITON_URL.join(", ");
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "listening", url: proxy.url, upstream }));
  const stop = () => {
    void proxy.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const info = await readInfo(proxy);
  const skipped = proxy.runtime?.manifest.skipped ?? [];
  console.log(startSummary({ url: proxy.url, upstream, keyRequired: Boolean(config.API_KEY), info, skipped }));
} catch (err) {
  console.error(`gpu-bridge proxy failed to start: ${failureMessage(err)}`);
  process.exit(1);
}
