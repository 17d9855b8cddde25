/**
 * Proxy overhead on /embed: the same standalone runtime called directly (KServe v2, binary tensors, the request
 * the proxy itself sends) and through the proxy with binary and with JSON upstream tensors, in one run; then the
 * proxy on its embedded runtime (no TRITON_URL, the same repository) with 1 text from 8 clients and 32 texts from
 * 2. Each proxied row gives the proxy's CPU per request, the whole process's and its main thread's (the embedded
 * runtime's inference runs in worker threads: the main thread's is what the proxy itself costs).
 * Throughput with autocannon (loopback, bounded duration); latency with a sequential keep-alive loop (sub-ms).
 *
 *   npx tsx bench/proxy-bench.ts        env: BENCH_DURATION_S (5), BENCH_CONNECTIONS (4), BENCH_REPOSITORY
 */
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { encodeInferRequest } from "@gpu-bridge/kserve/binary";
import { startRuntimeProcess } from "@gpu-bridge/test-support/runtime-process";
import { writeBenchResult, type BenchMetric as Metric } from "./results.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MAIN = fileURLToPath(new URL("../proxy/src/node/main.ts", import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
/**
 * Default: the tiny test models, so that inference costs little and the proxy's own cost shows (the worst case
 * for the ratio). BENCH_REPOSITORY=triton-models measures with the real all-MiniLM-L6-v2.
 */
const REPOSITORY = process.env.BENCH_REPOSITORY ?? `${ROOT}test/fixtures/model-repository`;

const SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank.";
const EMBEDDED_TARGET = "proxy /embed, embedded runtime";
/** [texts per request, clients] of the embedded rows: one-text clients, and a few clients of large requests. */
const EMBEDDED_SCENARIOS = [
  [1, 8],
  [32, 2],
] as const;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The proxy process, whose CPU time per request is reported (the machine may be busy; CPU time is steadier). */
  pid?: number | undefined;
}

/**
 * User + system CPU milliseconds so far of a process, or of its main thread alone (Linux /proc; undefined
 * elsewhere).
 */
function cpuMs(pid: number | undefined, mainThread = false): number | undefined {
  const stat = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(stat)) return undefined;
  const fields = readFileSync(stat, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

function proxyTarget(name: string, proxy: { url: string; pid: number | undefined }, texts: string[]): Target {
  return {
    name,
    url: `${proxy.url}/embed`,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ texts })),
    pid: proxy.pid,
  };
}

function directTarget(base: string, texts: string[]): Target {
  const encoder = new TextEncoder();
  const message = encodeInferRequest(
    {
      inputs: [{ name: "TEXT", datatype: "BYTES", shape: [texts.length, 1], data: texts.map((t) => encoder.encode(t)) }],
      outputs: [{ name: "EMBEDDING", parameters: { binary_data: true } }],
    },
    { binaryInputs: true },
  );
  return { name: "direct (KServe v2, binary)", url: `${base}/v2/models/embed/infer`, headers: message.headers, body: Buffer.from(message.body) };
}

async function startProxyProcess(env: Record<string, string>): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_REQUESTS: "false", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`proxy exited with ${code}: ${out}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function throughput(target: Target, connections = CONNECTIONS) {
  const cpuBefore = cpuMs(target.pid);
  const mainBefore = cpuMs(target.pid, true);
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: target.body,
    connections,
    duration: DURATION_S,
  });
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before !== undefined && after !== undefined && result.requests.total > 0
      ? ((after - before) * 1000) / result.requests.total
      : undefined;
  const proxyCpu = perRequest(cpuBefore, cpuMs(target.pid));
  const mainCpu = perRequest(mainBefore, cpuMs(target.pid, true));
  return {
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    proxy_cpu_us_per_req: proxyCpu,
    proxy_main_thread_cpu_us_per_req: mainCpu,
  };
}

/** One request at a time over one keep-alive connection: per-request latency to the microsecond. */
async function latency(target: Target) {
  const agent = new Agent({ connections: 1 });
  const once = async () => {
    const started = performance.now();
    const res = await request(target.url, { method: "POST", headers: target.headers, body: target.body, dispatcher: agent });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${target.name}: HTTP ${res.statusCode}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 20; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) samples.push(await once());
  await agent.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50_ms: at(0.5), p99_ms: at(0.99) };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  console.log(`repository: ${REPOSITORY}\n${CONNECTIONS} connections, ${DURATION_S} s per throughput run`);
  const runtime = await startRuntimeProcess(REPOSITORY);
  const common = { TRITON_URL: runtime.url, GPU_MAX_CONCURRENT: String(CONNECTIONS) };
  const binaryProxy = await startProxyProcess({ ...common, UPSTREAM_BINARY: "true" });
  const jsonProxy = await startProxyProcess({ ...common, UPSTREAM_BINARY: "false" });
  const rows: Record<string, unknown>[] = [];
  try {
    const model = ((await (await fetch(`${binaryProxy.url}/info`)).json()) as { embed_model: string }).embed_model;
    for (const batch of [1, 32]) {
      const texts = Array.from({ length: batch }, (_, i) => `${SENTENCE} ${i}`);
      const targets = [
        directTarget(runtime.url, texts),
        proxyTarget("proxy /embed, binary upstream tensors", binaryProxy, texts),
        proxyTarget("proxy /embed, JSON upstream tensors", jsonProxy, texts),
      ];
      const results = [];
      for (const target of targets) {
        console.log(`batch ${batch}: ${target.name}`);
        // sequential latency only for single texts: the proxy's added cost, not the model's, is what we want
        const lat = batch === 1 ? await latency(target) : undefined;
        const tput = await throughput(target);
        results.push({ target: target.name, batch, ...tput, seq_p50_ms: lat?.p50_ms, seq_p99_ms: lat?.p99_ms });
      }
      const direct = results[0] as (typeof results)[number];
      for (const r of results) {
        rows.push({
          ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? round(v) : v])),
          rps_vs_direct: round(r.rps / direct.rps),
          ...(r.seq_p50_ms !== undefined && direct.seq_p50_ms !== undefined
            ? { added_seq_p50_ms: round(r.seq_p50_ms - direct.seq_p50_ms) }
            : {}),
        });
      }
    }
    // The proxy on its embedded runtime, started after the others have stopped loading the machine.
    const embeddedProxy = await startProxyProcess({ MODEL_REPOSITORY: REPOSITORY, RUNTIME_WORKERS: "1" });
    try {
      for (const [batch, clients] of EMBEDDED_SCENARIOS) {
        const texts = Array.from({ length: batch }, (_, i) => `${SENTENCE} ${i}`);
        const target = proxyTarget(EMBEDDED_TARGET, embeddedProxy, texts);
        console.log(`batch ${batch}, ${clients} clients: ${target.name}`);
        const tput = await throughput(target, clients);
        rows.push({
          target: target.name,
          batch,
          clients,
          ...Object.fromEntries(Object.entries(tput).map(([k, v]) => [k, typeof v === "number" ? round(v) : v])),
          texts_per_s: round(tput.rps * batch),
        });
      }
    } finally {
      await embeddedProxy.stop();
    }
    const report = { cpus: cpus().length, loadavg_1m_at_end: loadavg()[0], repository: REPOSITORY, model, connections: CONNECTIONS, duration_s: DURATION_S, rows };
    console.table(rows);
    console.log(`written to ${await writeBenchResult("proxy", proxyBenchMetrics(report), { report })}`);
  } finally {
    await binaryProxy.stop();
    await jsonProxy.stop();
    await runtime.stop();
  }
}

type Json = Record<string, unknown>;
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** The proxy bench: rows per target (direct, proxy with binary or JSON upstream tensors) and batch size. */
function proxyBenchMetrics(report: Json): Metric[] {
  const rows = (Array.isArray(report.rows) ? report.rows : []) as Json[];
  const row = (kind: RegExp, batch: number) => rows.find((r) => kind.test(String(r.target)) && r.batch === batch);
  const metrics: Metric[] = [];
  for (const batch of [...new Set(rows.map((r) => r.batch))].filter((b): b is number => typeof b === "number")) {
    const binary = row(/binary upstream/, batch);
    const json = row(/JSON upstream/, batch);
    const ratio = num(binary?.rps_vs_direct);
    if (ratio !== undefined) {
      metrics.push({ key: "proxy_overhead_throughput_ratio", label: `proxied / direct throughput, /embed batch ${batch}`, value: ratio, unit: "ratio", target: ">= 0.5" });
    }
    const tritonMain = num(binary?.proxy_main_thread_cpu_us_per_req);
    if (tritonMain !== undefined && batch === 1) {
      metrics.push({ key: "proxy_main_cpu_triton_ms", label: "proxy main-thread CPU per 1-text /embed, Triton mode (binary)", value: tritonMain / 1000, unit: "ms" });
    }
    const added = num(binary?.added_seq_p50_ms);
    if (added !== undefined) {
      metrics.push({ key: "proxy_added_p50_ms", label: `added p50 latency, /embed batch ${batch} (sequential)`, value: added, unit: "ms", target: "<= 1" });
    }
    const binaryRps = num(binary?.rps);
    const jsonRps = num(json?.rps);
    if (binaryRps !== undefined && jsonRps) {
      metrics.push({ key: "json_vs_binary_throughput_ratio", label: `binary / JSON upstream tensors, /embed batch ${batch}`, value: binaryRps / jsonRps, unit: "ratio" });
    }
  }
  for (const [batch, clients] of EMBEDDED_SCENARIOS) {
    const embedded = rows.find((r) => r.target === EMBEDDED_TARGET && r.batch === batch && r.clients === clients);
    const main = num(embedded?.proxy_main_thread_cpu_us_per_req);
    if (main !== undefined) {
      metrics.push({
        key: `proxy_main_cpu_embedded_${batch}x${clients}_ms`,
        label: `proxy main-thread CPU per /embed, embedded runtime, ${batch} text(s) x ${clients} clients`,
        value: main / 1000,
        unit: "ms",
        ...(batch === 1 ? { target: "<= 0.5" } : {}),
      });
    }
    const texts = num(embedded?.texts_per_s);
    if (texts !== undefined) {
      metrics.push({ key: `embedded_texts_per_s_${batch}x${clients}`, label: `/embed texts/s, embedded runtime, ${batch} text(s) x ${clients} clients`, value: texts, unit: "texts/s" });
    }
  }
  return metrics;
}

await main();
