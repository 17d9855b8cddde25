/** Short human text for each tool's `content` (what the model reads in OpenClaw's direct tool mode). */
import type { BertscoreResponse, HealthResponse, StatusResponse } from "@gpu-bridge/contract/schemas";
import { clip } from "./clip.js";
import type { EmbeddingSummary } from "./embedding-summary.js";
import type { ProxyInfo } from "./proxy-info.js";

/** Table rows shown before "… N more"; every score stays in `details`. */
export const MAX_SCORE_ROWS = 20;
/** Jobs gpu_status lists (content and details): /status shows every client's jobs, and each lands in the context. */
export const MAX_JOBS_SHOWN = 10;
/** Characters the vectors of gpu_embed's include_vectors may take in `content` (OpenClaw cuts a result near 32,000). */
export const MAX_VECTOR_CHARS = 24_000;
/** Characters kept of a name or id another client chose (its model name, its request id). */
export const MAX_NAME_CHARS = 80;

/** How the proxy took the API key on an authenticated route (its /health needs none). */
export type KeyCheck =
  | { state: "accepted" }
  | { state: "rejected" | "missing"; status: number; detail: string; setting: string }
  | { state: "unchecked"; reason: string };

export function formatHealth(health: HealthResponse, serviceUrl: string, latencyMs: number, key: KeyCheck): string {
  const state = health.status === "ok" ? "ready" : "NOT ready";
  const line = `GPU Bridge proxy at ${serviceUrl} is ${state} (device ${health.device}, answered in ${latencyMs} ms)`;
  switch (key.state) {
    case "accepted":
      return line;
    case "unchecked":
      return `${line}; API key not checked (${key.reason})`;
    case "rejected":
      return `${line}, but it refuses the configured API key (${key.status}: ${key.detail}): set ${key.setting} to the proxy's API_KEY`;
    case "missing":
      return `${line}, but it needs an API key (${key.status}: ${key.detail}): set ${key.setting} to the proxy's API_KEY`;
  }
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

export function formatEmbed(summary: EmbeddingSummary, model: string, vectors?: VectorsText): string {
  const n = summary.count;
  if (n === 0) return `No texts, no embeddings (${model})`;
  const lines = [`${n} embedding${n === 1 ? "" : "s"} × ${summary.dimensions} dims (${model}); ${normsText(summary.norms)}`];
  if (summary.similarity && n > 1) {
    lines.push("Cosine similarity of texts[i] and texts[j]:", `| i/j | ${range(n).join(" | ")} |`, `|---|${"---|".repeat(n)}`);
    summary.similarity.forEach((row, i) => lines.push(`| ${i} | ${row.map((v) => v.toFixed(4)).join(" | ")} |`));
  }
  if (summary.top_pairs) {
    lines.push(`Most similar pairs (of ${(n * (n - 1)) / 2}; each text's nearest in details.nearest):`, "| i | j | cosine |", "|---|---|---|");
    for (const [i, j, v] of summary.top_pairs) lines.push(`| ${i} | ${j} | ${v.toFixed(4)} |`);
  }
  if (!vectors) {
    lines.push("Vectors not included: call gpu_embed with include_vectors: true to get them.");
  } else if (vectors.included === 0) {
    lines.push(`Vectors not included: one vector is more than the ${MAX_VECTOR_CHARS} characters a result holds.`);
  } else if (vectors.included === n) {
    lines.push("Vectors (float32), one per text:", vectors.json);
  } else {
    lines.push(
      `Vectors (float32) of texts 0–${vectors.included - 1} of ${n} (the rest would pass ${MAX_VECTOR_CHARS} characters: ask for them in smaller calls):`,
      vectors.json,
    );
  }
  return lines.join("\n");
}

/** The first vectors whose JSON fits in MAX_VECTOR_CHARS, as one JSON line. */
export interface VectorsText {
  json: string;
  included: number;
}

export function vectorsText(vectors: readonly (readonly number[])[]): VectorsText {
  const parts: string[] = [];
  let length = 2;
  for (const vector of vectors) {
    const part = JSON.stringify(vector.map(float32Text));
    if (length + part.length + (parts.length > 0 ? 1 : 0) > MAX_VECTOR_CHARS) break;
    length += part.length + (parts.length > 0 ? 1 : 0);
    parts.push(part);
  }
  return { json: `[${parts.join(",")}]`, included: parts.length };
}

/** /status as gpu_status shows it: the first MAX_JOBS_SHOWN jobs, their names and ids clipped; `more_jobs` the rest. */
export type ShownStatus = StatusResponse & { more_jobs?: number };

export function clipStatus(status: StatusResponse): ShownStatus {
  const jobs = status.active_jobs.slice(0, MAX_JOBS_SHOWN).map((job) => ({
    ...job,
    id: clip(job.id, MAX_NAME_CHARS),
    model: clip(job.model, MAX_NAME_CHARS),
    started_at: clip(job.started_at, MAX_NAME_CHARS),
  }));
  const more = status.active_jobs.length - jobs.length;
  return { queue: status.queue, active_jobs: jobs, ...(more > 0 ? { more_jobs: more } : {}) };
}

export function formatStatus(status: ShownStatus): string {
  const { queue, active_jobs: jobs } = status;
  const lines = [
    `Queue: ${queue.in_flight} of ${queue.max_concurrent} slots in use, ${queue.available_slots} free, ${queue.waiting_estimate} waiting`,
  ];
  if (jobs.length === 0) lines.push("No jobs running");
  for (const job of jobs) {
    const progress = `${Math.round(job.progress * 100)}%`;
    lines.push(`- ${job.type} of ${job.items} item${job.items === 1 ? "" : "s"} with ${job.model}, since ${job.started_at} (${progress}, id ${job.id})`);
  }
  if (status.more_jobs) lines.push(`… ${status.more_jobs} more jobs`);
  return lines.join("\n");
}

function normsText(norms: readonly number[]): string {
  if (norms.length === 0) return "no vectors";
  const [min, max] = [Math.min(...norms), Math.max(...norms)];
  return min === max ? `L2 norm ${min.toFixed(4)}` : `L2 norms ${min.toFixed(4)}–${max.toFixed(4)}`;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The shortest decimal that reads back as the same float32. */
function float32Text(value: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return Number(value.toPrecision(9));
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
