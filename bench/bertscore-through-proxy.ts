/**
 * Bench: BERTScore pairs per second end to end — HTTP /bertscore through the Node proxy on its embedded runtime,
 * several clients — next to the runtime bench's in-process figure. Uses the real models in triton-models/ when
 * they are exported, else the test fixtures (named in the output). Writes bench-results/bertscore-through-proxy.json.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad, type LoadReport, type LoadRequest } from "@gpu-bridge/test-support/load-driver";
import { startProxyProcess } from "@gpu-bridge/test-support/proxy-process";
import { checkDocumentedShape } from "@gpu-bridge/test-support/response-shapes";
import { FIXTURE_REPOSITORY, REPO_ROOT } from "@gpu-bridge/test-support/fixtures";
import { writeBenchResult, type BenchMetric } from "./results.js";
import { sentences } from "./throughput.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    concurrency: { type: "string", default: "4" },
    repository: { type: "string" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const PAIRS_PER_REQUEST = 8;

interface TaskModel {
  publicName: string;
  encoder: string;
}

/** The text-in models of a repository whose encoder weights are present, by task. */
function servedModels(repository: string): Record<"embed" | "bertscore", TaskModel[]> {
  const found: Record<"embed" | "bertscore", TaskModel[]> = { embed: [], bertscore: [] };
  for (const name of readdirSync(repository)) {
    const configPath = join(repository, name, "config.pbtxt");
    if (!existsSync(configPath)) continue;
    const config = readFileSync(configPath, "utf8");
    const parameter = (key: string) =>
      new RegExp(`key:\\s*"${key}"\\s*value:\\s*\\{\\s*string_value:\\s*"([^"]*)"`).exec(config)?.[1];
    const task = parameter("task");
    const publicName = parameter("model_name");
    const encoder = parameter("encoder_model");
    if ((task === "embed" || task === "bertscore") && publicName && encoder) {
      if (existsSync(join(repository, encoder, "1", "model.onnx"))) found[task].push({ publicName, encoder });
    }
  }
  return found;
}

function chooseRepository(): string {
  if (values.repository) return values.repository;
  const real = join(REPO_ROOT, "triton-models");
  const models = servedModels(real);
  return models.bertscore.length > 0 ? real : FIXTURE_REPOSITORY;
}

const accept = () => undefined;

function bertscoreRequest(model: string, i: number): LoadRequest {
  const candidates = sentences(i, PAIRS_PER_REQUEST);
  const references = sentences(i + 1, PAIRS_PER_REQUEST);
  return { path: "/bertscore", body: { candidates, references, model_type: model }, checkAnswer: accept };
}

async function measure(baseUrl: string, pick: (i: number) => LoadRequest): Promise<LoadReport> {
  const options = { baseUrl, concurrency: CONCURRENCY, hangAfterMs: 120_000, pick, checkShape: checkDocumentedShape };
  await runLoad({ ...options, total: Math.max(CONCURRENCY * 2, 10) });
  const report = await runLoad({ ...options, total: REQUESTS });
  const failed = report.total - (report.byStatus[200] ?? 0);
  if (failed > 0) throw new Error(`${failed} of ${report.total} requests failed: ${JSON.stringify(report.samples)}`);
  return report;
}

const perSecond = (report: LoadReport, itemsPerRequest: number) => (report.total * itemsPerRequest) / (report.wallMs / 1000);

async function main() {
  const repository = chooseRepository();
  const model = servedModels(repository).bertscore[0]?.publicName;
  if (!model) throw new Error(`no bertscore model with weights in ${repository}`);
  const where = repository === FIXTURE_REPOSITORY ? "test fixtures" : "triton-models";
  console.error(`bench: /bertscore through the proxy, ${model} (${where}), ${REQUESTS} requests x ${PAIRS_PER_REQUEST} pairs, ${CONCURRENCY} clients`);
  const proxy = await startProxyProcess({
    TRITON_URL: "",
    MODEL_REPOSITORY: repository,
    GPU_MAX_CONCURRENT: String(CONCURRENCY),
    LOG_REQUESTS: "false",
    UPSTREAM_TIMEOUT_MS: "120000",
  });
  let report: LoadReport;
  try {
    report = await measure(proxy.url, (i) => bertscoreRequest(model, i));
  } finally {
    await proxy.stop();
  }
  const metrics: BenchMetric[] = [
    {
      key: "bertscore_pairs_per_s_http",
      label: `BERTScore pairs/s through the proxy (${model}, ${where}, ${CONCURRENCY} clients)`,
      value: perSecond(report, PAIRS_PER_REQUEST),
      unit: "pairs/s",
    },
    { key: "bertscore_request_p50_ms", label: `/bertscore p50, ${PAIRS_PER_REQUEST} pairs per request`, value: report.latencyMs.p50, unit: "ms" },
  ];
  const file = await writeBenchResult("bertscore-through-proxy", metrics, { repository: where, requests: REQUESTS, concurrency: CONCURRENCY });
  for (const m of metrics) console.error(`bench: ${m.label}: ${m.value.toFixed(2)} ${m.unit}`);
  console.error(`bench: written ${file}`);
}

await main();
