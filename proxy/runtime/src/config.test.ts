import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "@gpu-bridge/contract/config";
import { parseFetchModelsConfig, parseRuntimeServerConfig } from "./config.js";

const RUNTIME_PACKAGE = fileURLToPath(new URL("..", import.meta.url));

/** Starts a CLI of the runtime with `env` added; its exit status and stderr (it must fail before doing anything). */
function start(cli: string, env: Record<string, string>, args: string[] = []) {
  const child = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: RUNTIME_PACKAGE,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: child.status, stderr: child.stderr };
}

describe("the standalone runtime server's environment", () => {
  it("defaults: port 8000, one worker on the CPU", () => {
    expect(parseRuntimeServerConfig({})).toMatchObject({ RUNTIME_PORT: 8000, RUNTIME_WORKERS: 1, RUNTIME_EXECUTION_PROVIDER: "cpu" });
  });

  it.each([
    ["RUNTIME_PORT", "eighty"],
    ["RUNTIME_PORT", "70000"],
    ["RUNTIME_WORKERS", "0"],
    ["RUNTIME_INTRA_OP_THREADS", "many"],
    ["RUNTIME_EXECUTION_PROVIDER", "tpu"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    expect(() => parseRuntimeServerConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseRuntimeServerConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name}:`));
  });

  it("fails at start with the variable's name, and a flag is checked as its variable", () => {
    const bad = start("src/cli.ts", { RUNTIME_PORT: "eighty" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("RUNTIME_PORT");
    const badFlag = start("src/cli.ts", {}, ["--workers", "0"]);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toContain("RUNTIME_WORKERS");
  });
});

describe("the model fetcher's environment", () => {
  it("defaults to the Hugging Face hub", () => {
    expect(parseFetchModelsConfig({})).toEqual({ HF_ENDPOINT: "https://huggingface.co" });
  });

  it.each([
    ["HF_ENDPOINT", "huggingface.co"],
    ["HF_ENDPOINT", "ftp://mirror.example"],
    ["GPU_BRIDGE_MODELS_REPO", "not a repo"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    expect(() => parseFetchModelsConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name}:`));
  });

  it("fails at start with the variable's name", () => {
    const bad = start("src/fetch-models-cli.ts", { HF_ENDPOINT: "huggingface.co" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("HF_ENDPOINT");
  });
});
