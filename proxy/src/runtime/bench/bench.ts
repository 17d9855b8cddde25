/**
 * Runtime benchmark (`npm run bench -w proxy`): embeddings/s of the runtime on the real all-MiniLM-L6-v2 ONNX
 * against transformers.js (same ONNX file) and sentence-transformers (torch CPU), same texts and thread count,
 * measured in this run; BERTScore pairs/s on MiniLM and on a random-weight roberta-large L17, with the share of
 * time spent outside the encoder. Writes bench-results/runtime.json at the repository root.
 *   env: BENCH_THREADS (default: all cores), BENCH_TEXTS (256), BENCH_REPEATS (3), MODEL_REPOSITORY,
 *        BENCH_ROBERTA_ENCODER (an encoder folder with 1/model.onnx + 1/tokenizer.json; default
 *        .cache/bench-models/roberta-large); `--export-roberta` makes it with gpu-bridge-export first.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ortPackage from "onnxruntime-node/package.json" with { type: "json" };
import { DEFAULT_MODEL_REPOSITORY, createRuntimeFetch, type RuntimeHandle } from "../index.js";
import type { BertScoreModel } from "../text-models.js";
import { bertScoreInputs, bytes, floats, infer } from "../testing/kserve-test-client.js";
import { REPO_ROOT, VENV_PYTHON } from "../testing/python.js";
import { benchCorpus } from "./corpus.js";
import { sentenceTransformersSeconds, transformersJsInChild } from "./peers.js";

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

  // Rounds interleave the three systems so that load from elsewhere on the machine hits them alike.
  await runtimeEmbed(handle, texts.slice(0, 16));
  let ours: number[] = [];
  const best: Record<"runtime" | "transformers_js" | "sentence_transformers", number> = {
    runtime: Infinity,
    transformers_js: Infinity,
    sentence_transformers: Infinity,
  };
  const embed: Record<string, unknown> = {};
  for (let round = 0; round < repeats; round++) {
    const start = performance.now();
    ours = await runtimeEmbed(handle, texts);
    best.runtime = Math.min(best.runtime, (performance.now() - start) / 1000);
    if (embed.transformers_js === undefined || round > 0) {
      try {
        const tjs = await transformersJsInChild({ encoderDir: path.join(repository, "all-MiniLM-L6-v2/1"), texts, threads, batch: BATCH, repeats: 1 });
        best.transformers_js = Math.min(best.transformers_js, tjs.seconds);
        const maxDiff = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - (tjs.embeddings[i] ?? NaN))), 0);
        embed.transformers_js = { version: tjs.version, max_abs_diff_vs_runtime: maxDiff };
      } catch (err) {
        embed.transformers_js = { skipped: (err as Error).message };
      }
    }
    if (existsSync(VENV_PYTHON)) {
      try {
        const st = await sentenceTransformersSeconds(texts, threads, BATCH, 1);
        best.sentence_transformers = Math.min(best.sentence_transformers, st.seconds);
        embed.sentence_transformers = { torch: st.torch, version: st.sentence_transformers };
      } catch (err) {
        embed.sentence_transformers = { skipped: (err as Error).message.slice(0, 500) };
      }
    }
    console.log(`round ${round + 1}: ${Object.entries(best).map(([k, v]) => `${k} ${(texts.length / v).toFixed(1)}/s`).join(", ")}`);
  }
  embed.runtime = { embeddings_per_second: texts.length / best.runtime };
  for (const peer of ["transformers_js", "sentence_transformers"] as const) {
    if (Number.isFinite(best[peer])) {
      embed[peer] = { ...(embed[peer] as object), embeddings_per_second: texts.length / best[peer] };
      embed[`ratio_vs_${peer}`] = best[peer] / best.runtime;
    }
  }
  console.log(
    `embeddings/s: runtime ${(texts.length / best.runtime).toFixed(1)}, transformers.js ${(texts.length / best.transformers_js).toFixed(1)} ` +
      `(runtime ${(best.transformers_js / best.runtime).toFixed(2)}x), sentence-transformers ${(texts.length / best.sentence_transformers).toFixed(1)} ` +
      `(runtime ${(best.sentence_transformers / best.runtime).toFixed(2)}x)`,
  );
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

  const outDir = path.join(REPO_ROOT, "bench-results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "runtime.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.join(outDir, "runtime.json")}`);
}

main().catch((err: unknown) => {
  console.error((err as Error)?.stack ?? String(err));
  process.exit(1);
});
