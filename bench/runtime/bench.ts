/**
 * Runtime benchmark (`npx tsx bench/runtime/bench.ts`, part of `npm run bench`): embeddings/s of the runtime on the real all-MiniLM-L6-v2 ONNX
 * against transformers.js (same ONNX file) and sentence-transformers (torch CPU), same texts and thread count (a corpus,
 * and the short sentences of the serving benches in batches of 32),
 * measured in this run; BERTScore pairs/s on MiniLM and on a random-weight roberta-large L17, with the share of
 * time spent outside the encoder. Writes bench-results/runtime.json (bench/results.ts).
 *   env: BENCH_THREADS (default: all cores), BENCH_TEXTS (256), BENCH_REPEATS (3), MODEL_REPOSITORY,
 *        BENCH_ROBERTA_ENCODER (an encoder folder with 1/model.onnx + 1/tokenizer.json; default
 *        .cache/bench-models/roberta-large); `--export-roberta` makes it with gpu-bridge-export first.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ortPackage from "onnxruntime-node/package.json" with { type: "json" };
import { DEFAULT_MODEL_REPOSITORY, createRuntimeFetch, type BertScoreModel, type RuntimeHandle } from "@gpu-bridge/runtime";
import { bertScoreInputs, bytes, floats, infer } from "@gpu-bridge/test-support/kserve-test-client";
import { REPO_ROOT } from "@gpu-bridge/test-support/fixtures";
import { benchCorpus } from "./corpus.js";
import { sentences } from "../throughput.js";
import { writeBenchResult, type BenchMetric as Metric } from "../results.js";
import { startSentenceTransformers, startTransformersJs, type Peer } from "./peers.js";

const threads = Number(process.env.BENCH_THREADS) || os.availableParallelism();
const textCount = Number(process.env.BENCH_TEXTS) || 256;
const repeats = Number(process.env.BENCH_REPEATS) || 3;
const BATCH = 64;
const repository = process.env.MODEL_REPOSITORY ?? DEFAULT_MODEL_REPOSITORY;
const BASE = "http://runtime.invalid";

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function runtimeEmbed(handle: RuntimeHandle, texts: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const batch of chunks(texts, BATCH)) {
    out.push(...floats((await infer(handle.fetch, BASE, "embed", [bytes("TEXT", batch)], { binary: true })).get("EMBEDDING")));
  }
  return out;
}

/** Times BERTScore requests, and the encoder's share, by wrapping the model's encoder. */
async function benchBertScore(handle: RuntimeHandle, model: string, pairs: [string, string][], batch: number) {
  const served = handle.repository.models.get(model) as BertScoreModel | undefined;
  if (!served) return undefined;
  const encoder = served.resources.encoder;
  const original = encoder.encode.bind(encoder);
  let encoderSeconds = 0;
  encoder.encode = async (...args: Parameters<typeof original>) => {
    const start = performance.now();
    try {
      return await original(...args);
    } finally {
      encoderSeconds += (performance.now() - start) / 1000;
    }
  };
  const run = async () => {
    for (const group of chunks(pairs, batch)) {
      await infer(handle.fetch, BASE, model, bertScoreInputs(group.map((p) => p[0]), group.map((p) => [p[1]])), { binary: true });
    }
  };
  await infer(handle.fetch, BASE, model, bertScoreInputs([pairs[0]![0]], [[pairs[0]![1]]]), { binary: true });
  const runs = Math.max(1, repeats - 1);
  encoderSeconds = 0;
  let total = 0;
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    const seconds = (performance.now() - start) / 1000;
    total += seconds;
    fastest = Math.min(fastest, seconds);
  }
  encoder.encode = original;
  return {
    model,
    pairs: pairs.length,
    pairs_per_second: pairs.length / fastest,
    share_outside_encoder: 1 - encoderSeconds / total,
  };
}

function robertaRepository(): string | undefined {
  const encoder = process.env.BENCH_ROBERTA_ENCODER ?? path.join(REPO_ROOT, ".cache/bench-models/roberta-large");
  const candidates = [encoder, path.join(repository, "roberta-large")];
  if (process.argv.includes("--export-roberta") && !candidates.some((c) => existsSync(path.join(c, "1/model.onnx")))) {
    const out = path.dirname(encoder);
    console.log(`exporting a random-weight roberta-large L17 into ${out} (minutes)`);
    execFileSync(path.join(REPO_ROOT, ".venv/bin/gpu-bridge-export"), ["random-roberta-large", "--out", out, "--device", "cpu"], {
      stdio: "inherit",
      cwd: REPO_ROOT,
    });
  }
  const found = candidates.find((c) => existsSync(path.join(c, "1/model.onnx")) && existsSync(path.join(c, "1/tokenizer.json")));
  if (!found) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-roberta-"));
  symlinkSync(found, path.join(dir, "roberta-large"));
  mkdirSync(path.join(dir, "bertscore"));
  copyFileSync(path.join(DEFAULT_MODEL_REPOSITORY, "bertscore/config.pbtxt"), path.join(dir, "bertscore/config.pbtxt"));
  return dir;
}

/**
 * Embeddings/s of the runtime and each peer over `batches`: batch by batch the systems run back to back (so that
 * load from elsewhere on the machine hits them alike); each batch counts with its fastest of `repeats` rounds.
 */
async function timeEmbeddings(handle: RuntimeHandle, peers: Peer[], batches: string[][]) {
  const times: Record<string, number[]> = {};
  for (const name of ["runtime", ...peers.map((p) => p.name)]) times[name] = batches.map(() => Infinity);
  let maxDiff = 0;
  for (let round = 0; round < repeats; round++) {
    for (const [i, batch] of batches.entries()) {
      const start = performance.now();
      const ours = await runtimeEmbed(handle, batch);
      times.runtime![i] = Math.min(times.runtime![i]!, (performance.now() - start) / 1000);
      for (const peer of peers) {
        const { seconds, embeddings } = await peer.embed(batch);
        times[peer.name]![i] = Math.min(times[peer.name]![i]!, seconds);
        if (embeddings) maxDiff = Math.max(maxDiff, ...ours.map((v, k) => Math.abs(v - (embeddings[k] ?? NaN))));
      }
    }
  }
  const texts = batches.reduce((n, b) => n + b.length, 0);
  return { rate: (name: string) => texts / (times[name] ?? []).reduce((a, b) => a + b, 0), maxDiff };
}

async function main(): Promise<void> {
  const texts = benchCorpus(textCount);
  console.log(`benchmark: ${texts.length} texts, batch ${BATCH}, ${threads} threads, best of ${repeats}`);
  const handle = await createRuntimeFetch({ repository, intraOpThreads: threads, log: () => {} });
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), node: process.version },
    threads,
    texts: texts.length,
    batch: BATCH,
    onnxruntime_node: ortPackage.version,
  };

  const peers: Peer[] = [];
  const embed: Record<string, unknown> = {};
  for (const [name, start] of [
    ["transformers_js", () => startTransformersJs(path.join(repository, "all-MiniLM-L6-v2/1"), threads)],
    ["sentence_transformers", () => startSentenceTransformers(threads)],
  ] as const) {
    try {
      peers.push(await start());
    } catch (err) {
      embed[name] = { skipped: (err as Error).message.slice(0, 500) };
      console.log(`${name} skipped: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  await runtimeEmbed(handle, texts.slice(0, 16));
  const corpus = await timeEmbeddings(handle, peers, chunks(texts, BATCH));
  // The serving benches' short sentences (17-26 tokens) in batches of 32: what the encoders alone allow the
  // 32-texts-per-request comparisons against the original-style peer and infinity-emb (bench/original-style.ts).
  const short = await timeEmbeddings(handle, peers, chunks(sentences(0, textCount), 32));
  for (const peer of peers) peer.close();
  embed.runtime = { embeddings_per_second: corpus.rate("runtime"), short_sentences_per_second: short.rate("runtime") };
  for (const peer of peers) {
    const key = peer.name === "transformers.js" ? "transformers_js" : "sentence_transformers";
    embed[key] = { version: peer.version, embeddings_per_second: corpus.rate(peer.name), short_sentences_per_second: short.rate(peer.name) };
    embed[`ratio_vs_${key}`] = corpus.rate("runtime") / corpus.rate(peer.name);
    embed[`short_ratio_vs_${key}`] = short.rate("runtime") / short.rate(peer.name);
    if (key === "transformers_js") (embed[key] as Record<string, unknown>).max_abs_diff_vs_runtime = corpus.maxDiff;
    console.log(
      `${peer.name} ${peer.version}: ${corpus.rate(peer.name).toFixed(1)} embeddings/s; runtime ${(corpus.rate("runtime") / corpus.rate(peer.name)).toFixed(2)}x` +
        ` (short sentences, batch 32: ${short.rate(peer.name).toFixed(1)}/s; runtime ${(short.rate("runtime") / short.rate(peer.name)).toFixed(2)}x)`,
    );
  }
  console.log(`runtime: ${corpus.rate("runtime").toFixed(1)} embeddings/s (max |diff| vs transformers.js ${corpus.maxDiff.toExponential(1)})`);
  results.embed = embed;

  const pairs = texts.slice(0, 65).map((t, i, all) => [t, all[(i + 1) % all.length] as string] as [string, string]).slice(0, 64);
  const bertscore: unknown[] = [];
  const minilm = await benchBertScore(handle, "bertscore-all-MiniLM-L6-v2", pairs, 32);
  if (minilm) bertscore.push(minilm);
  await handle.close();

  const robertaDir = robertaRepository();
  if (robertaDir) {
    const roberta = await createRuntimeFetch({ repository: robertaDir, intraOpThreads: threads, log: () => {} });
    const result = await benchBertScore(roberta, "bertscore", pairs.slice(0, 16), 16);
    if (result) bertscore.push({ ...result, encoder: "random-weight roberta-large L17" });
    await roberta.close();
  } else {
    bertscore.push({ model: "bertscore (roberta-large L17)", skipped: "no encoder; run with --export-roberta or set BENCH_ROBERTA_ENCODER" });
  }
  for (const b of bertscore as Record<string, unknown>[]) {
    if (b.skipped) console.log(`${b.model}: skipped (${b.skipped})`);
    else console.log(`${b.model}: ${(b.pairs_per_second as number).toFixed(1)} pairs/s, ${((b.share_outside_encoder as number) * 100).toFixed(1)}% outside the encoder`);
  }
  results.bertscore = bertscore;

  console.log(`wrote ${await writeBenchResult("runtime", runtimeBenchMetrics(results), { report: results })}`);
}

type Json = Record<string, unknown>;
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

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
  const shortVsSt = num(embed.short_ratio_vs_sentence_transformers);
  if (shortVsSt !== undefined) {
    metrics.push({
      key: "runtime_vs_sentence_transformers_short_ratio",
      label: "embedded runtime / sentence-transformers in process, short sentences, batch 32",
      value: shortVsSt,
      unit: "ratio",
    });
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

main().catch((err: unknown) => {
  console.error((err as Error)?.stack ?? String(err));
  process.exit(1);
});
