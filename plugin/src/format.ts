/** Short human text for each tool's `content`; the full data always goes to `details`. */
import type { BertscoreResponse, EmbedResponse, HealthResponse } from "../../proxy/src/api/schemas.js";
import type { ProxyInfo } from "./tools.js";

/** Table rows shown before "… N more"; every score stays in `details`. */
export const MAX_SCORE_ROWS = 20;

export function formatHealth(health: HealthResponse, origin: string, latencyMs: number): string {
  const state = health.status === "ok" ? "ready" : "NOT ready";
  return `GPU Bridge proxy at ${origin} is ${state} (device ${health.device}, answered in ${latencyMs} ms)`;
}

export function formatInfo(info: ProxyInfo): string {
  const lines: string[] = [];
  const vram =
    info.vram_total_mb != null
      ? `VRAM ${info.vram_used_mb ?? "?"} / ${info.vram_total_mb} MB used`
      : "no GPU memory (CPU)";
  lines.push(`${info.device_name} (${info.device}), ${vram}`);
  const versions = [
    info.cuda_version ? `CUDA ${info.cuda_version}` : undefined,
    info.pytorch_version ? `PyTorch ${info.pytorch_version}` : undefined,
    info.server ? `server ${info.server.name} ${info.server.version}` : undefined,
  ].filter((part) => part !== undefined);
  if (versions.length > 0) lines.push(versions.join(", "));
  lines.push(`Models: ${info.loaded_models.length > 0 ? info.loaded_models.join(", ") : "none loaded"}`);
  for (const note of info.notes ?? []) lines.push(`Note: ${note}`);
  return lines.join("\n");
}

export function formatBertscore(result: BertscoreResponse): string {
  const n = result.f1.length;
  const lines = [
    `BERTScore (${result.model}) for ${n} pair${n === 1 ? "" : "s"}:`,
    "| # | P | R | F1 |",
    "|---|---|---|---|",
  ];
  for (let i = 0; i < Math.min(n, MAX_SCORE_ROWS); i++) {
    lines.push(`| ${i + 1} | ${score(result.precision[i])} | ${score(result.recall[i])} | ${score(result.f1[i])} |`);
  }
  if (n > MAX_SCORE_ROWS) lines.push(`… ${n - MAX_SCORE_ROWS} more rows in details`);
  if (n > 1) {
    lines.push(`Mean: P ${score(mean(result.precision))}, R ${score(mean(result.recall))}, F1 ${score(mean(result.f1))}`);
  }
  lines.push(`hash: ${result.hash}`);
  return lines.join("\n");
}

export function formatEmbed(result: EmbedResponse): string {
  const n = result.embeddings.length;
  return `${n} embedding${n === 1 ? "" : "s"} × ${result.dimensions} dims (${result.model}); vectors in details.embeddings`;
}

/** null: bert_score's NaN (idf over a single reference), shown as n/a. */
function score(value: number | null | undefined): string {
  if (value === null) return "n/a";
  return value === undefined ? "?" : value.toFixed(4);
}

/** Mean of the scores that are numbers; null when there are none. */
function mean(values: (number | null)[]): number | null {
  const numbers = values.filter((value): value is number => value !== null);
  return numbers.length === 0 ? null : numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
}
