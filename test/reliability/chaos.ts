/**
 * `npm run chaos`: the full load-and-chaos run (10,000 requests at 100 clients by default) through the real proxy,
 * first on the embedded runtime, then on the fault-injecting upstream that is killed and restarted. Prints one
 * table, writes bench-results/chaos-<time>.json and exits non-zero when an invariant fails.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChaos, type ChaosReport } from "./chaos-run.js";
import { FIXTURE_REPOSITORY, REPO_ROOT } from "../support/fixtures.js";
import { createRuntimeBackend } from "./runtime-backend.js";

const { values } = parseArgs({
  options: {
    total: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "100" },
    restarts: { type: "string", default: "3" },
    warmup: { type: "string", default: "20000" },
    repository: { type: "string", default: FIXTURE_REPOSITORY },
    seed: { type: "string", default: "7" },
    "time-limit-s": { type: "string", default: "900" },
  },
});

const limitMs = Number(values["time-limit-s"]) * 1000;
const watchdog = setTimeout(() => {
  console.error(`chaos: still running after ${limitMs / 1000} s, giving up`);
  process.exit(2);
}, limitMs);
watchdog.unref();

const RSS_GROWTH_LIMIT = 0.1;

export function invariantFailures(report: ChaosReport): string[] {
  const failures: string[] = [];
  const { load } = report;
  if (load.hung > 0) failures.push(`${load.hung} requests hung`);
  if (load.transportErrors > 0) failures.push(`${load.transportErrors} requests lost (proxy dropped the connection)`);
  if (load.malformed > 0) failures.push(`${load.malformed} malformed responses`);
  if (load.wrong > 0) failures.push(`${load.wrong} wrong answers`);
  if (report.slotsInUseAfter !== 0) failures.push(`${String(report.slotsInUseAfter)} concurrency slots in use after the run`);
  if (report.rss && report.rss.growth >= RSS_GROWTH_LIMIT) {
    failures.push(`proxy RSS grew ${(report.rss.growth * 100).toFixed(1)}% (limit ${RSS_GROWTH_LIMIT * 100}%)`);
  }
  return failures;
}

function table(reports: ChaosReport[]): string {
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const rows: [string, ...string[]][] = [
    ["", ...reports.map((r) => `upstream: ${r.upstream}`)],
    ["requests / clients", ...reports.map((r) => `${r.load.total} / ${r.concurrency}`)],
    ["answered 200 and right", ...reports.map((r) => String(r.load.byStatus[200] ?? 0))],
    ["statuses", ...reports.map((r) => Object.entries(r.load.byStatus).map(([s, n]) => `${s}:${n}`).join(" "))],
    ["hung (must be 0)", ...reports.map((r) => String(r.load.hung))],
    ["lost connections (0)", ...reports.map((r) => String(r.load.transportErrors))],
    ["malformed (0)", ...reports.map((r) => String(r.load.malformed))],
    ["wrong answers (0)", ...reports.map((r) => String(r.load.wrong))],
    ["slots in use after (0)", ...reports.map((r) => String(r.slotsInUseAfter ?? "n/a"))],
    [
      "proxy RSS warm -> end",
      ...reports.map((r) =>
        r.rss ? `${mb(r.rss.warmBytes)} -> ${mb(r.rss.endBytes)} (${(r.rss.growth * 100).toFixed(1)}%)` : "n/a",
      ),
    ],
    ["latency p50/p99/max ms", ...reports.map((r) => `${r.load.latencyMs.p50.toFixed(1)} / ${r.load.latencyMs.p99.toFixed(0)} / ${r.load.latencyMs.max.toFixed(0)}`)],
    ["hang bound ms", ...reports.map((r) => String(r.hangAfterMs))],
    ["wall s", ...reports.map((r) => (r.load.wallMs / 1000).toFixed(1))],
    ["upstream restarts", ...reports.map((r) => String(r.upstreamRestarts))],
    [
      "faults injected",
      ...reports.map((r) =>
        r.faultCounts
          ? Object.entries(r.faultCounts)
              .filter(([kind]) => kind !== "none")
              .map(([kind, n]) => `${kind}:${n}`)
              .join(" ")
          : "none",
      ),
    ],
  ];
  const widths = (rows[0] ?? []).map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length)));
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(" | ")).join("\n");
}

async function main() {
  const repository = values.repository ?? FIXTURE_REPOSITORY;
  const backend = await createRuntimeBackend(repository);
  const common = {
    backend: backend.fetch,
    repository,
    total: Number(values.total),
    concurrency: Number(values.concurrency),
    warmup: Number(values.warmup),
    seed: Number(values.seed),
    log: (line: string) => console.error(`chaos: ${line}`),
  };
  const reports: ChaosReport[] = [];
  try {
    reports.push(await runChaos({ ...common, upstream: "embedded", restarts: 0 }));
    reports.push(await runChaos({ ...common, upstream: "faulty", restarts: Number(values.restarts) }));
  } finally {
    await backend.close();
  }
  console.log(table(reports));
  const failures = reports.flatMap((r) => invariantFailures(r).map((f) => `${r.upstream}: ${f}`));
  for (const r of reports) {
    if (r.rss) {
      console.log(
        `${r.upstream}: proxy RSS (MB) every 1000 requests, warm-up (${r.rss.warmupRequests}): ${r.rss.warmupSamplesMb.join(" ")}; ` +
          `run: ${r.rss.samplesMb.join(" ")}; idle after: ${r.rss.idleAfterMb}`,
      );
    }
    for (const [problem, count] of Object.entries(r.load.problems)) console.log(`  ${r.upstream}: ${count} x ${problem}`);
  }
  const dir = join(REPO_ROOT, "bench-results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `chaos-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), reports, failures }, null, 2));
  console.log(`\nwritten: ${file}`);
  if (failures.length > 0) {
    console.log(`\nFAILED:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  } else {
    console.log("\nall invariants hold: 0 hung, 0 lost, 0 malformed, 0 wrong, 0 slots in use");
  }
}

await main();
