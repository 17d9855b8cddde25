/**
 * Bench: the proxy against a peer that serves like the original service (bench/peers/original_style.py: FastAPI,
 * sentence-transformers and bert_score per request behind a semaphore of 2), same machine, same all-MiniLM-L6-v2,
 * measured in this run: /embed with 1 text per request from 8 clients and 32 texts from 2 clients, /bertscore with 8
 * pairs from 2 clients.
 *   --upstream embedded  the proxy on its embedded runtime (triton-models/); also /health p99 while the 8-client
 *                        one-text load runs (the peer's beside it)
 *   --upstream triton    the proxy on the real Triton server of the test suites (test/triton, CPU encoder
 *                        stand-ins); also Triton's mean batch size with 32 one-text clients at default settings
 * Writes bench-results/original-style-<upstream>.json. --scale multiplies the request counts; each side runs in
 * --rounds alternating turns (default 2).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fetch } from "undici";
import { percentiles } from "@gpu-bridge/test-support/load-driver";
import { startProxyProcess, type ProxyProcess } from "@gpu-bridge/test-support/proxy-process";
import { buildTestRepository, TRITON_MODELS } from "@gpu-bridge/test-support/test-repository";
import { startTritonServer, tritonMissing, type TritonServer } from "@gpu-bridge/test-support/tritonserver";
import { minilmFolder, startOriginalStylePeer, type PeerServer } from "./peer-servers.js";
import { writeBenchResult, type BenchMetric } from "./results.js";
import { compareThroughput, measureThroughput, probeLatency, sentence, sentences, type Scenario } from "./throughput.js";

const { values } = parseArgs({
  options: {
    upstream: { type: "string", default: "embedded" },
    scale: { type: "string", default: "1" },
    rounds: { type: "string", default: "2" },
  },
});
if (values.upstream !== "embedded" && values.upstream !== "triton") throw new Error("--upstream is embedded or triton");
const upstream: "embedded" | "triton" = values.upstream;
const SCALE = Number(values.scale);
const ROUNDS = Number(values.rounds);
const count = (n: number) => Math.max(4, Math.round(n * SCALE));

const MODEL = "all-MiniLM-L6-v2";
/** The layer our bertscore-all-MiniLM-L6-v2 model scores with (its config's num_layers). */
const BERTSCORE_LAYERS = 6;
const DIMENSIONS = 384;

type Json = Record<string, unknown>;

function embedScenario(clients: number, texts: number, requests: number): Scenario {
  return {
    name: `/embed ${texts} text${texts > 1 ? "s" : ""}/request, ${clients} clients`,
    path: "/embed",
    clients,
    requests: count(requests),
    items: texts,
    body: (i) => ({ texts: sentences(i * texts, texts), model: MODEL }),
    check: (body) => {
      const embeddings = (body as Json).embeddings as number[][] | undefined;
      if (embeddings?.length !== texts) return `${embeddings?.length} embeddings for ${texts} texts`;
      return embeddings.every((e) => e.length === DIMENSIONS) ? undefined : `not ${DIMENSIONS} dimensions`;
    },
  };
}

function bertscoreScenario(clients: number, pairs: number, requests: number): Scenario {
  return {
    name: `/bertscore ${pairs} pairs/request, ${clients} clients`,
    path: "/bertscore",
    clients,
    requests: count(requests),
    items: pairs,
    body: (i) => ({ candidates: sentences(i * pairs, pairs), references: sentences(i * pairs + 1, pairs), model_type: MODEL }),
    check: (body) => {
      const f1 = (body as Json).f1 as number[] | undefined;
      return f1?.length === pairs ? undefined : `${f1?.length} F1 for ${pairs} pairs`;
    },
  };
}

async function post(url: string, body: unknown): Promise<Json> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await response.json()) as Json;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Both sides must compute the same thing before their speed is compared. */
async function checkSameAnswers(proxy: string, peer: string) {
  const texts = [sentence(1), sentence(3)];
  const [ours, theirs] = await Promise.all([post(`${proxy}/embed`, { texts, model: MODEL }), post(`${peer}/embed`, { texts, model: MODEL })]);
  const a = (ours.embeddings as number[][])[1] ?? [];
  const b = (theirs.embeddings as number[][])[1] ?? [];
  const cosine = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
  if (!(cosine > 0.999)) throw new Error(`the proxy's and the peer's embeddings differ (cosine ${cosine})`);
  const pairs = { candidates: texts, references: [sentence(2), sentence(4)], model_type: MODEL };
  const [ourScore, theirScore] = await Promise.all([post(`${proxy}/bertscore`, pairs), post(`${peer}/bertscore`, pairs)]);
  const f1 = ourScore.f1 as number[];
  const peerF1 = theirScore.f1 as number[];
  if (f1.some((x, i) => !(Math.abs(x - (peerF1[i] ?? NaN)) < 1e-3))) {
    throw new Error(`the proxy's and the peer's BERTScore differ: ${JSON.stringify(f1)} vs ${JSON.stringify(peerF1)}`);
  }
}

interface ModelStats {
  inference_count: number;
  execution_count: number;
}

async function modelStats(triton: TritonServer, model: string): Promise<ModelStats> {
  const response = await fetch(`${triton.httpUrl}/v2/models/${model}/stats`);
  const stats = ((await response.json()) as { model_stats: ModelStats[] }).model_stats;
  return stats.reduce((sum, s) => ({ inference_count: sum.inference_count + s.inference_count, execution_count: sum.execution_count + s.execution_count }), {
    inference_count: 0,
    execution_count: 0,
  });
}

/** Triton's mean batch size (inferences per execution) of `models` over what `run` sends. */
async function meanBatchSizes(triton: TritonServer, models: string[], run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await Promise.all(models.map((m) => modelStats(triton, m)));
  await run();
  const after = await Promise.all(models.map((m) => modelStats(triton, m)));
  return Object.fromEntries(
    models.map((m, i) => {
      const inferences = (after[i]?.inference_count ?? 0) - (before[i]?.inference_count ?? 0);
      const executions = (after[i]?.execution_count ?? 0) - (before[i]?.execution_count ?? 0);
      return [m, executions > 0 ? inferences / executions : 0];
    }),
  );
}

const SCENARIOS = [
  { key: "embed_1x8", scenario: embedScenario(8, 1, 400), target: { embedded: ">= 4", triton: ">= 4" } },
  { key: "embed_32x2", scenario: embedScenario(2, 32, 40), target: { embedded: ">= 1.3", triton: undefined } },
  { key: "bertscore_8x2", scenario: bertscoreScenario(2, 8, 40), target: { embedded: ">= 1.3", triton: undefined } },
] as const;

async function main() {
  const modelDir = minilmFolder();
  const metrics: BenchMetric[] = [];
  const figures: Record<string, unknown> = {};
  const where = upstream === "embedded" ? "embedded runtime" : "real Triton";
  let triton: TritonServer | undefined;
  let work: string | undefined;
  let proxy: ProxyProcess | undefined;
  let peer: PeerServer | undefined;
  try {
    if (upstream === "triton") {
      const missing = tritonMissing();
      if (missing) throw new Error(missing);
      work = await mkdtemp(path.join(os.tmpdir(), "gpu-bridge-bench-triton-"));
      const repository = path.join(work, "repository");
      await buildTestRepository(TRITON_MODELS, repository);
      console.error("bench: starting tritonserver (CPU encoder stand-ins)");
      // roberta-large has no weights here: its models fail to load and the rest serve
      triton = await startTritonServer({ repository, args: ["--exit-on-error=false"], logFile: path.join(work, "tritonserver.log") });
      proxy = await startProxyProcess({ TRITON_URL: triton.httpUrl, MODEL_REPOSITORY: "", LOG_REQUESTS: "false" });
    } else {
      proxy = await startProxyProcess({ TRITON_URL: "", MODEL_REPOSITORY: TRITON_MODELS, LOG_REQUESTS: "false" });
    }
    peer = await startOriginalStylePeer(modelDir, BERTSCORE_LAYERS);
    await checkSameAnswers(proxy.url, peer.url);

    for (const { key, scenario, target } of SCENARIOS) {
      const health: Record<"ours" | "theirs", number[]> = { ours: [], theirs: [] };
      const probe =
        upstream === "embedded" && key === "embed_1x8"
          ? async (side: "ours" | "theirs", url: string, load: Promise<unknown>) => health[side].push(...(await probeLatency(`${url}/health`, 10, load)))
          : undefined;
      const { ours, theirs, ratio } = await compareThroughput({ url: proxy.url, scenario }, { url: peer.url, scenario }, ROUNDS, probe);
      const unit = scenario.path === "/bertscore" ? "pairs/s" : "texts/s";
      console.error(
        `bench: ${scenario.name}: proxy (${where}) ${ours.itemsPerSecond.toFixed(1)} ${unit}, original-style peer ${theirs.itemsPerSecond.toFixed(1)} ${unit}: ${ratio.toFixed(2)}x`,
      );
      metrics.push({
        key: `original_style_${key}_ratio_${upstream}`,
        label: `proxy (${where}) / original-style peer, ${scenario.name}`,
        value: ratio,
        unit: "ratio",
        ...(target[upstream] ? { target: target[upstream] } : {}),
      });
      metrics.push({ key: `original_style_${key}_proxy_${upstream}`, label: `proxy (${where}), ${scenario.name}`, value: ours.itemsPerSecond, unit });
      metrics.push({ key: `original_style_${key}_peer`, label: `original-style peer, ${scenario.name}`, value: theirs.itemsPerSecond, unit });
      figures[key] = { proxy: ours, peer: theirs };
      if (probe) {
        const [p, q] = [percentiles(health.ours), percentiles(health.theirs)];
        console.error(`bench: /health p99 under that load: proxy ${p.p99.toFixed(1)} ms (${health.ours.length} probes), peer ${q.p99.toFixed(1)} ms`);
        metrics.push({ key: "health_p99_under_load_ms", label: `/health p99 while ${scenario.name} run (${where})`, value: p.p99, unit: "ms", target: "<= 50" });
        metrics.push({ key: "health_p99_under_load_peer_ms", label: `original-style peer /health p99 under the same load`, value: q.p99, unit: "ms" });
        figures.health = { proxy: { probes: health.ours.length, ...p }, peer: { probes: health.theirs.length, ...q } };
      }
    }

    if (triton) {
      const batching = embedScenario(32, 1, 480);
      const sizes = await meanBatchSizes(triton, ["embed", MODEL], () => measureThroughput(proxy!.url, batching));
      console.error(`bench: Triton mean batch size, ${batching.name} through the proxy (default settings): embed ${sizes.embed?.toFixed(2)}, encoder ${sizes[MODEL]?.toFixed(2)}`);
      metrics.push({ key: "triton_mean_batch_embed", label: `Triton mean batch size of embed, ${batching.name} (proxy defaults)`, value: sizes.embed ?? 0, unit: "texts", target: ">= 8" });
      metrics.push({ key: "triton_mean_batch_encoder", label: `Triton mean batch size of the encoder, same load`, value: sizes[MODEL] ?? 0, unit: "texts" });
      figures.tritonMeanBatch = sizes;
    }
  } finally {
    await peer?.stop();
    await proxy?.stop();
    await triton?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }
  const file = await writeBenchResult(`original-style-${upstream}`, metrics, { upstream, scale: SCALE, figures });
  console.error(`bench: written ${file}`);
}

await main();
