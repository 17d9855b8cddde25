/**
 * The model repository a test tritonserver serves: a base repository (the fixtures' tiny models, or triton-models/
 * with setup's export) with the shipped model.py files and the modules and data files at triton-models/'s root
 * (bert_score_tokenizer.py reads its JSON files there), and each exported
 * `onnxruntime` encoder replaced by the python-backend stand-in (this Triton has no onnxruntime backend). The text
 * models and device_info run exactly as shipped.
 */
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { configParameter, parseModelConfig } from "@gpu-bridge/runtime";
import { REPO_ROOT } from "./fixtures.js";

export const TRITON_MODELS = path.join(REPO_ROOT, "triton-models");
const STAND_IN = path.join(REPO_ROOT, "test", "triton", "encoder-stand-in", "model.py");

export interface TestRepositoryOptions {
  /** Models of triton-models/ to add as committed (config.pbtxt only, nothing exported): models that cannot load. */
  unexported?: string[];
}

/** The files at triton-models/'s root that the python models import and read (modules, JSON data), by name. */
export async function rootFiles(): Promise<string[]> {
  const entries = await readdir(TRITON_MODELS, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(py|json)$/.test(e.name)).map((e) => e.name).sort();
}

/** The stand-in's config: the encoder's, served by the python backend on the CPU. */
function standInConfig(text: string, name: string): string {
  if (/\boptimization\s*\{/.test(text)) throw new Error(`${name}: the encoder stand-in does not take execution accelerators`);
  return text.replace(/backend:\s*"onnxruntime"/, 'backend: "python"').replaceAll("KIND_GPU", "KIND_CPU");
}

export async function buildTestRepository(base: string, out: string, options: TestRepositoryOptions = {}): Promise<void> {
  // a stale __pycache__ folder of the base (from other tools) would be taken for a model
  await cp(base, out, { recursive: true, dereference: true, filter: (source) => path.basename(source) !== "__pycache__" });
  for (const name of await rootFiles()) await copyFile(path.join(TRITON_MODELS, name), path.join(out, name));
  for (const name of options.unexported ?? []) {
    await mkdir(path.join(out, name), { recursive: true });
    await copyFile(path.join(TRITON_MODELS, name, "config.pbtxt"), path.join(out, name, "config.pbtxt"));
  }
  for (const entry of await readdir(out, { withFileTypes: true })) {
    const folder = path.join(out, entry.name);
    if (!entry.isDirectory() || !existsSync(path.join(folder, "config.pbtxt"))) continue;
    const text = await readFile(path.join(folder, "config.pbtxt"), "utf8");
    const config = parseModelConfig(text, entry.name);
    const modelPy = path.join(folder, "1", "model.py");
    if (config.backend === "python" && !existsSync(modelPy)) {
      // the fixtures hold configs only: their model.py is the shipped one of the same task
      const task = configParameter(config, "task");
      if (!task) throw new Error(`${entry.name}: a python model without a task parameter`);
      await mkdir(path.dirname(modelPy), { recursive: true });
      await copyFile(path.join(TRITON_MODELS, task, "1", "model.py"), modelPy);
    } else if (config.backend === "onnxruntime" && existsSync(path.join(folder, "1", "model.onnx"))) {
      await writeFile(path.join(folder, "config.pbtxt"), standInConfig(text, entry.name));
      await copyFile(STAND_IN, modelPy);
    }
  }
}
