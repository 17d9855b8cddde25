/** Runs the project's Python environment (.venv) from the runtime's tests, for reference implementations. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./fixtures.js";

export const VENV_PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
export const hasVenvPython = existsSync(VENV_PYTHON);

/** Runs `python -c script` with stdin; resolves stdout, rejects with stderr on a non-zero exit. */
export function runPython(script: string, stdin = "", env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_PYTHON, ["-c", script], {
      env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(stdin);
  });
}
