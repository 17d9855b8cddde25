/**
 * Prints one table of the figures every bench wrote in this run (files newer than --since, seconds since the
 * epoch) and writes it to bench-results/summary.json and summary.md. Every bench writes bench-results/<name>.json
 * in the one form of bench/results.ts: {"name", "metrics": [{"key", "label", "value", "unit", "target"?}]}
 * (target ">= x" or "<= x").
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
    const content: unknown = JSON.parse(await readFile(path, "utf8"));
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
