/**
 * The contract's encoders from the ONNX exports the Hugging Face hub publishes, without torch: export-scripts'
 * `gpu_bridge_export.hub_onnx` says which hub files each model needs (`plan`), they are downloaded here (pinned to
 * the commit the revision names, resumable, verified), and its graph surgery writes the model folder (`convert`).
 * A model whose export-info.json already names the same hub commit and file is left as it is.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { downloadVerified, type DownloadProgress } from "./download.js";
import { resolveRevision, resolveUrl } from "./hub-api.js";

const PlanSchema = z.array(
  z.object({ model: z.string().regex(/^[A-Za-z0-9._-]+$/), repo: z.string(), onnx: z.string(), files: z.array(z.string()) }),
);
export type HubOnnxPlan = z.infer<typeof PlanSchema>;

export interface SurgeryPython {
  /** An interpreter with onnx, numpy and tokenizers (torch is never needed). */
  python: string;
  /** export-scripts/src, put on PYTHONPATH. */
  exportScripts: string;
}

export interface HubOnnxOptions extends SurgeryPython {
  /** Hub base URL (HF_ENDPOINT). */
  baseUrl: string;
  revision?: string;
  /** Model repository to write into. */
  out: string;
  /** Where downloads wait (resumable) until the surgery has used them: `<cacheDir>/<repo>/<commit>/<file>`. */
  cacheDir: string;
  /** Keep the downloaded hub files after a successful surgery (they are removed by default). */
  keepDownloads?: boolean;
  models?: string[];
  token?: string;
  progress?: (file: string) => DownloadProgress;
  log?: (message: string) => void;
  fetchFn?: typeof fetch;
}

export type HubOnnxResult =
  | { model: string; result: "current" | "converted"; source: string }
  | { model: string; result: "failed"; error: string };

const run = promisify(execFile);

function pythonEnv(options: SurgeryPython): NodeJS.ProcessEnv {
  const inherited = process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [];
  return { ...process.env, PYTHONPATH: [options.exportScripts, ...inherited].join(path.delimiter) };
}

export async function hubOnnxPlan(options: SurgeryPython & { models?: string[] }): Promise<HubOnnxPlan> {
  const { stdout } = await run(options.python, ["-m", "gpu_bridge_export.hub_onnx", "plan", ...(options.models ?? [])], {
    env: pythonEnv(options),
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`${options.python} -m gpu_bridge_export.hub_onnx plan: ${err.stderr?.trim() || err.message}`);
  });
  return PlanSchema.parse(JSON.parse(stdout));
}

function convert(options: HubOnnxOptions, model: string, snapshot: string, source: string): Promise<void> {
  const args = ["-m", "gpu_bridge_export.hub_onnx", "convert", "--model", model, "--snapshot", snapshot];
  args.push("--source", source, "--out", options.out);
  return new Promise((resolve, reject) => {
    const child = spawn(options.python, args, { stdio: ["ignore", "inherit", "pipe"], env: pythonEnv(options) });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`the graph surgery of ${model} failed: ${stderr.trim() || `exit ${code}`}`)),
    );
  });
}

async function exportedSource(out: string, model: string): Promise<string | undefined> {
  const version = path.join(out, model, "1");
  if (!existsSync(path.join(version, "model.onnx"))) return undefined;
  const info = (await readFile(path.join(version, "export-info.json"), "utf8").then(JSON.parse, () => ({}))) as {
    source?: unknown;
  };
  return typeof info.source === "string" ? info.source : undefined;
}

/** Each model of the plan: already current, converted, or failed with a reason; an unreachable hub throws. */
export async function fetchHubOnnx(options: HubOnnxOptions): Promise<HubOnnxResult[]> {
  const log = options.log ?? (() => {});
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const plan = await hubOnnxPlan(options);
  const results: HubOnnxResult[] = [];
  for (const entry of plan) {
    const revision = await resolveRevision({
      baseUrl: options.baseUrl,
      repo: entry.repo,
      revision: options.revision ?? "main",
      headers,
      ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    });
    const source = `${entry.repo}@${revision.commit}/${entry.onnx}`;
    if ((await exportedSource(options.out, entry.model)) === source) {
      results.push({ model: entry.model, result: "current", source });
      continue;
    }
    const missing = entry.files.filter((f) => !revision.files.has(f));
    if (missing.length > 0) {
      const error = `${entry.repo} at ${revision.commit} publishes no ${missing.join(", ")}`;
      log(`${entry.model}: ${error}`);
      results.push({ model: entry.model, result: "failed", error });
      continue;
    }
    const snapshot = path.join(options.cacheDir, ...entry.repo.split("/"), revision.commit);
    try {
      for (const file of entry.files) {
        const hubFile = revision.files.get(file);
        if (!hubFile) continue;
        await downloadVerified({
          url: resolveUrl(options.baseUrl, entry.repo, revision.commit, file),
          dest: path.join(snapshot, ...file.split("/")),
          checksum: hubFile.checksum,
          headers,
          ...(options.progress ? { progress: options.progress(`${entry.repo}/${file}`) } : {}),
          ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
        });
      }
      log(`${entry.model}: graph surgery on ${source}`);
      await convert(options, entry.model, snapshot, source);
    } catch (err) {
      results.push({ model: entry.model, result: "failed", error: (err as Error).message });
      continue;
    }
    if (!options.keepDownloads) await rm(snapshot, { recursive: true, force: true });
    results.push({ model: entry.model, result: "converted", source });
  }
  return results;
}
