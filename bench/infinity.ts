/**
 * Bench: the proxy's OpenAI-style /v1/embeddings on its embedded runtime against infinity-emb's /embeddings
 * (`infinity_emb v2 --engine torch --device cpu`, its own environment in .cache/infinity), same machine, same
 * all-MiniLM-L6-v2 folder, measured in this run: 1 text per request from 8 clients, 32 texts from 2 clients.
 * Writes bench-results/infinity.json. --scale multiplies the request counts; each side runs in --rounds alternating
 * turns (default 2).
 */
import { parseArgs } from "node:util";
import { fetch } from "undici";
import { startProxyProcess, type ProxyProcess } from "@gpu-bridge/test-support/proxy-process";
import { TRITON_MODELS } from "@gpu-bridge/test-support/test-repository";
import { minilmFolder, startInfinity, type PeerServer } from "./peer-servers.js";
import { writeBenchResult, type BenchMetric } from "./results.js";
import { compareThroughput, sentence, sentences, type Scenario } from "./throughput.js";

const { values } = parseArgs({ options: { scale: { type: "string", default: "1" }, rounds: { type: "string", default: "2" } } });
const SCALE = Number(values.scale);
const ROUNDS = Number(values.rounds);
const MODEL = "all-MiniLM-L6-v2";
const DIMENSIONS = 384;

interface EmbeddingList {
  data?: { embedding: number[] }[];
}

function scenario(clients: number, texts: number, requests: number): Scenario {
  return {
    name: `${texts} text${texts > 1 ? "s" : ""}/request, ${clients} clients`,
    path: "", // set per server: the proxy's /v1/embeddings, infinity's /embeddings
    clients,
    requests: Math.max(4, Math.round(requests * SCALE)),
    items: texts,
    body: (i) => ({ input: sentences(i * texts, texts), model: MODEL }),
    check: (body) => {
      const data = (body as EmbeddingList).data;
      if (data?.length !== texts) return `${data?.length} embeddings for ${texts} texts`;
      return data.every((d) => d.embedding.length === DIMENSIONS) ? undefined : `not ${DIMENSIONS} dimensions`;
    },
  };
}

const SCENARIOS = [
  { key: "1x8", scenario: scenario(8, 1, 400), target: ">= 2" },
  { key: "32x2", scenario: scenario(2, 32, 40), target: ">= 1.3" },
];
const OURS = "/v1/embeddings";
const THEIRS = "/embeddings";

async function firstEmbedding(url: string): Promise<number[]> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: [sentence(5)], model: MODEL }) });
  const body = (await response.json()) as EmbeddingList;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body.data?.[0]?.embedding ?? [];
}

async function main() {
  const modelDir = minilmFolder();
  const metrics: BenchMetric[] = [];
  let proxy: ProxyProcess | undefined;
  let infinity: PeerServer | undefined;
  try {
    proxy = await startProxyProcess({ TRITON_URL: "", MODEL_REPOSITORY: TRITON_MODELS, LOG_REQUESTS: "false" });
    infinity = await startInfinity(modelDir, MODEL);
    const [a, b] = await Promise.all([firstEmbedding(proxy.url + OURS), firstEmbedding(infinity.url + THEIRS)]);
    const cosine = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
    if (!(cosine > 0.999)) throw new Error(`the proxy's and infinity's embeddings differ (cosine ${cosine})`);

    for (const { key, scenario: s, target } of SCENARIOS) {
      const { ours, theirs, ratio: value } = await compareThroughput({ url: proxy.url, scenario: { ...s, path: OURS } }, { url: infinity.url, scenario: { ...s, path: THEIRS } }, ROUNDS);
      console.error(`bench: ${s.name}: proxy ${ours.itemsPerSecond.toFixed(1)} texts/s, infinity-emb ${theirs.itemsPerSecond.toFixed(1)} texts/s: ${value.toFixed(2)}x`);
      metrics.push({ key: `infinity_${key}_ratio`, label: `proxy ${OURS} (embedded) / infinity-emb, ${s.name}`, value, unit: "ratio", target });
      metrics.push({ key: `infinity_${key}_proxy`, label: `proxy ${OURS} (embedded), ${s.name}`, value: ours.itemsPerSecond, unit: "texts/s" });
      metrics.push({ key: `infinity_${key}_peer`, label: `infinity-emb (torch, cpu), ${s.name}`, value: theirs.itemsPerSecond, unit: "texts/s" });
    }
  } finally {
    await infinity?.stop();
    await proxy?.stop();
  }
  const file = await writeBenchResult("infinity", metrics, { scale: SCALE });
  console.error(`bench: written ${file}`);
}

await main();
