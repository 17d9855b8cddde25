/**
 * The contract's encoders from the ONNX exports the Hugging Face hub publishes, without torch: export-scripts'
 * `gpu_bridge_export.hub_onnx` says which hub files each model needs (`plan`), they are downloaded here (pinned to
 * the commit the revision names, resumable, verified), and its graph surgery writes the model folder (`convert`).
 * A model whose export-info.json records the same hub files (by the digests the hub's metadata gives) is left as it
 * is, whatever commit they now come from: a commit touching other files downloads nothing.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual, promisify } from "node:util";
import { z } from "zod";
import { downloadVerified, type Checksum, type DownloadProgress } from "./download.js";
import { resolveRevision, resolveUrl, type HubRevision } from "./hub-api.js";
import { HubAuthError, HubUnreachableError, type FetchFn } from "./hub-http.js";

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
  fetchFn?: FetchFn;
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

/** Each hub file by the digest the hub's metadata gives it, as export-info.json records them (`source_files`). */
type SourceFiles = Record<string, string>;

const digestOf = (checksum: Checksum) => ("sha256" in checksum ? `sha256:${checksum.sha256}` : `git-blob-sha1:${checksum.gitBlobSha1}`);

function sourceFiles(revision: HubRevision, files: string[]): SourceFiles {
  return Object.fromEntries(files.flatMap((f) => {
    const file = revision.files.get(f);
    return file ? [[f, digestOf(file.checksum)]] : [];
  }));
}

function convert(options: HubOnnxOptions, model: string, snapshot: string, source: string, files: SourceFiles): Promise<void> {
  const args = ["-m", "gpu_bridge_export.hub_onnx", "convert", "--model", model, "--snapshot", snapshot];
  args.push("--source", source, "--source-files", JSON.stringify(files), "--out", options.out);
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

async function exportedFrom(out: string, model: string): Promise<{ source?: unknown; source_files?: unknown } | undefined> {
  const version = path.join(out, model, "1");
  if (!existsSync(path.join(version, "model.onnx"))) return undefined;
  return (await readFile(path.join(version, "export-info.json"), "utf8").then(JSON.parse, () => undefined)) as
    | { source?: unknown; source_files?: unknown }
    | undefined;
}

/**
 * Each model of the plan: already current, converted, or failed with a reason; an unreachable hub or a refused
 * token throws (they concern every model).
 */
export async function fetchHubOnnx(options: HubOnnxOptions): Promise<HubOnnxResult[]> {
  const log = options.log ?? (() => {});
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const plan = await hubOnnxPlan(options);
  const results: HubOnnxResult[] = [];
  const http = { headers, ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}), ...(options.log ? { log: options.log } : {}) };
  for (const entry of plan) {
    let revision: HubRevision;
    try {
      revision = await resolveRevision({ baseUrl: options.baseUrl, repo: entry.repo, revision: options.revision ?? "main", ...http });
    } catch (err) {
      if (err instanceof HubUnreachableError || err instanceof HubAuthError) throw err;
      results.push({ model: entry.model, result: "failed", error: (err as Error).message });
      continue;
    }
    const source = `${entry.repo}@${revision.commit}/${entry.onnx}`;
    const files = sourceFiles(revision, entry.files);
    const exported = await exportedFrom(options.out, entry.model);
    // an export made before digests were recorded is current while its commit is
    const same = exported?.source_files === undefined ? exported?.source === source : isDeepStrictEqual(exported.source_files, files);
    if (exported && same && typeof exported.source === "string") {
      results.push({ model: entry.model, result: "current", source: exported.source });
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
          size: hubFile.size,
          ...http,
          ...(options.progress ? { progress: options.progress(`${entry.repo}/${file}`) } : {}),
        });
      }
      log(`${entry.model}: graph surgery on ${source}`);
      await convert(options, entry.model, snapshot, source, files);
    } catch (err) {
      results.push({ model: entry.model, result: "failed", error: (err as Error).message });
      continue;
    }
    if (!options.keepDownloads) await rm(snapshot, { recursive: true, force: true });
    results.push({ model: entry.model, result: "converted", source });
  }
  return results;
}
