/**
 * Prints one table of the figures every bench wrote in this run (files newer than --since, seconds since the
 * epoch) and writes it to bench-results/summary.json and summary.md. Reads the proxy bench (proxy-latest.json),
 * the runtime bench (runtime.json) through adapters, and any bench-results/<name>.json in the common form
 * {"name", "metrics": [{"key", "label", "value", "unit", "target"?}]} (target ">= x" or "<= x").
 * Exits non-zero when no bench wrote results.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { BENCH_RESULTS } from "./results.js";

const MetricSchema = z.object({
  key: z.string(),
  label: z.string(),
  value: z.number(),
  unit: z.string(),
  target: z
    .string()
    .regex(/^(>=|<=)\s*-?[\d.]+$/)
    .optional(),
});

const ResultSchema = z.object({
  name: z.string(),
  date: z.string().optional(),
  machine: z.string().optional(),
  metrics: z.array(MetricSchema),
});

type Metric = z.infer<typeof MetricSchema>;

/** Order of the headline figures; any other metric follows in its bench's order. */
const HEADLINE = [
  "proxy_overhead_throughput_ratio",
  "proxy_added_p50_ms",
  "runtime_vs_transformers_js_ratio",
  "bertscore_pairs_per_s",
  "bertscore_pairs_per_s_http",
  "json_vs_binary_throughput_ratio",
];

export function verdict(metric: Metric): "pass" | "FAIL" | "" {
  if (!metric.target) return "";
  const [, op, bound] = /^(>=|<=)\s*(-?[\d.]+)$/.exec(metric.target) ?? [];
  const limit = Number(bound);
  const ok = op === ">=" ? metric.value >= limit : metric.value <= limit;
  return ok ? "pass" : "FAIL";
}

function format(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toFixed(digits);
  return unit === "ratio" ? `${text}x` : `${text} ${unit}`;
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
  return metrics;
}

/** The runtime bench: embedding throughput against transformers.js and sentence-transformers, BERTScore pairs/s. */
function runtimeBenchMetrics(report: Json): Metric[] {
  const metrics: Metric[] = [];
  const embed = (report.embed ?? {}) as Json;
  const vsJs = num(embed.ratio_vs_transformers_js);
  if (vsJs !== undefined) {
    metrics.push({ key: "runtime_vs_transformers_js_ratio", label: "embedded runtime / @huggingface/transformers, embeddings/s", value: vsJs, unit: "ratio", target: ">= 1.5" });
  }
  const vsSt = num(embed.ratio_vs_sentence_transformers);
  if (vsSt !== undefined) {
    metrics.push({ key: "runtime_vs_sentence_transformers_ratio", label: "embedded runtime / sentence-transformers (torch), embeddings/s", value: vsSt, unit: "ratio" });
  }
  for (const entry of (Array.isArray(report.bertscore) ? report.bertscore : []) as Json[]) {
    const pairs = num(entry.pairs_per_second);
    if (pairs !== undefined) {
      const what = typeof entry.encoder === "string" ? `${String(entry.model)}, ${entry.encoder}` : String(entry.model);
      metrics.push({ key: "bertscore_pairs_per_s", label: `BERTScore pairs/s in process (${what})`, value: pairs, unit: "pairs/s" });
    }
  }
  return metrics;
}

const ADAPTERS: Record<string, { bench: string; metrics: (report: Json) => Metric[] }> = {
  "proxy-latest.json": { bench: "proxy (bench/proxy-bench.ts)", metrics: proxyBenchMetrics },
  "runtime.json": { bench: "runtime (bench/runtime)", metrics: runtimeBenchMetrics },
};

async function main() {
  const { values } = parseArgs({ options: { since: { type: "string", default: "0" } } });
  const sinceMs = Number(values.since) * 1000;
  // Dated copies (proxy-<time>.json, chaos-<time>.json) and our own summary are not inputs.
  const files = (await readdir(BENCH_RESULTS).catch(() => [])).filter(
    (f) => f.endsWith(".json") && !f.startsWith("summary") && !/-\d{4}-\d\d-\d\dT/.test(f),
  );
  const rows: { bench: string; metric: Metric }[] = [];
  const problems: string[] = [];
  for (const file of files.sort()) {
    const path = join(BENCH_RESULTS, file);
    if ((await stat(path)).mtimeMs < sinceMs) continue;
    const content = JSON.parse(await readFile(path, "utf8")) as Json;
    const adapter = ADAPTERS[file];
    if (adapter) {
      const metrics = adapter.metrics(content);
      if (metrics.length === 0) problems.push(`${file}: no figures recognised (its format changed?)`);
      for (const metric of metrics) rows.push({ bench: adapter.bench, metric });
      continue;
    }
    const parsed = ResultSchema.safeParse(content);
    if (!parsed.success) {
      problems.push(`${file}: not a bench result (${parsed.error.issues[0]?.message ?? ""})`);
      continue;
    }
    for (const metric of parsed.data.metrics) rows.push({ bench: parsed.data.name, metric });
  }
  rows.sort((a, b) => {
    const rank = (key: string) => (HEADLINE.includes(key) ? HEADLINE.indexOf(key) : HEADLINE.length);
    return rank(a.metric.key) - rank(b.metric.key);
  });
  const table = [
    ["figure", "value", "target", "", "bench"],
    ...rows.map(({ bench, metric }) => [
      metric.label,
      format(metric.value, metric.unit),
      metric.target ?? "",
      verdict(metric),
      bench,
    ]),
  ];
  const widths = (table[0] ?? []).map((_, col) => Math.max(...table.map((row) => (row[col] ?? "").length)));
  const lines = table.map((row) => row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  console.log(lines.join("\n"));
  for (const problem of problems) console.log(`! ${problem}`);
  const markdown = [
    "| figure | value | target | | bench |",
    "|---|---|---|---|---|",
    ...table.slice(1).map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
  await writeFile(join(BENCH_RESULTS, "summary.md"), `${markdown}\n`);
  await writeFile(
    join(BENCH_RESULTS, "summary.json"),
    JSON.stringify({ date: new Date().toISOString(), rows: rows.map((r) => ({ bench: r.bench, ...r.metric, verdict: verdict(r.metric) })) }, null, 2),
  );
  if (rows.length === 0) {
    console.log("no bench wrote results");
    process.exitCode = 1;
  }
}

await main();
