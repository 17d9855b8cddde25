/** Where benches write their figures (git-ignored) and the one result format scripts/bench.sh aggregates. */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_RESULTS = fileURLToPath(new URL("../bench-results", import.meta.url));

export interface BenchMetric {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** ">= x" or "<= x". */
  target?: string;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model.trim() ?? "cpu"}, node ${process.version}`;
}

export async function writeBenchResult(name: string, metrics: BenchMetric[], extra: Record<string, unknown> = {}) {
  await mkdir(BENCH_RESULTS, { recursive: true });
  const file = join(BENCH_RESULTS, `${name}.json`);
  await writeFile(file, JSON.stringify({ name, date: new Date().toISOString(), machine: machine(), metrics, ...extra }, null, 2));
  return file;
}
