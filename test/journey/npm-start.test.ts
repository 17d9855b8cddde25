/**
 * `npm start` as a newcomer runs it, on the fixture repository: once serving, one plain block says where, which
 * models answer and what stands in for what, which models were skipped and why, a request to try, how to stop and
 * how to change the port; a second `npm start` on the same port ends in one line naming PORT, exit 1, no stack and
 * no npm error lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_REPOSITORY, REPO_ROOT } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { freePort } from "../support/server-process.js";
import { TRITON_MODELS } from "../support/test-repository.js";

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

const runs: Run[] = [];

/** The fixture repository with roberta-large as committed (config.pbtxt, no model.onnx), as a quick start has it. */
let withUnexported: string;

beforeAll(async () => {
  withUnexported = await mkdtemp(path.join(os.tmpdir(), "npm-start-"));
  await cp(FIXTURE_REPOSITORY, withUnexported, { recursive: true, dereference: true });
  await cp(path.join(TRITON_MODELS, "roberta-large", "config.pbtxt"), path.join(withUnexported, "roberta-large", "config.pbtxt"));
});

/** `npm start` in its own process group, so that stopping it also stops the node process npm started. */
function npmStart(port: number, repository = FIXTURE_REPOSITORY): Run {
  const child = spawn("npm", ["start"], {
    cwd: REPO_ROOT,
    detached: true,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", MODEL_REPOSITORY: repository, LOG_REQUESTS: "false" },
  });
  const run: Run = { child, stdout: "", stderr: "", exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
  child.stdout?.on("data", (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (run.stderr += chunk.toString()));
  runs.push(run);
  return run;
}

afterAll(async () => {
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.pid !== undefined) {
      process.kill(-run.child.pid, "SIGTERM");
      await run.exit;
    }
  }
  if (withUnexported) await rm(withUnexported, { recursive: true, force: true });
});

/** npm's own warnings about the environment's npm configuration are not the proxy's output. */
const ownLines = (text: string) => text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("npm warn"));

describe("npm start", () => {
  const port = freePort();

  it("prints one plain block once serving: URL, models per task, stand-ins, skipped models, a curl, Ctrl-C and PORT", async () => {
    const url = `http://127.0.0.1:${await port}`;
    const run = npmStart(await port, withUnexported);
    await waitFor(() => run.stdout.includes("Stop:") || run.child.exitCode !== null, 90_000, "npm start to serve");
    const out = run.stdout;
    expect(out, run.stderr).toContain(`GPU Bridge is serving at ${url}`);
    expect(out).toMatch(/^ {2}embed +tiny-bert \(default\)$/m);
    expect(out).toMatch(/^ {2}bertscore +tiny-roberta \(default\), tiny-bert$/m);
    // the configured defaults are not in the fixture repository: the block says which model stands in
    expect(out).toContain("bertscore model roberta-large is not served; using tiny-roberta");
    // a model the runtime skips is said once, in the block, with why; not on stderr, once per worker
    const skipped = path.join(withUnexported, "roberta-large", "1", "model.onnx");
    expect(out.split("\n").filter((line) => line.includes("roberta-large:"))).toEqual([`  skipped    roberta-large: ${skipped} is missing`]);
    expect(ownLines(run.stderr), run.stderr).toEqual([]);
    expect(out).toContain(`curl -X POST ${url}/embed`);
    expect(out).toContain("Ctrl-C");
    expect(out).toMatch(/PORT=\d+ npm start/);
    // the curl it shows works as printed
    const curl = /curl -X POST (\S+) -H "Content-Type: application\/json" -d '([^']+)'/.exec(out);
    const response = await fetch(curl?.[1] ?? "", { method: "POST", headers: { "content-type": "application/json" }, body: curl?.[2] ?? "" });
    expect(response.status).toBe(200);
  });

  it("a second npm start on the same port: one line naming PORT and HOST, exit 1, no stack, no npm error lines", async () => {
    const run = npmStart(await port);
    expect(await run.exit).toBe(1);
    const lines = ownLines(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${await port} is already in use`);
    expect(lines[0]).toContain("set PORT (and HOST)");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain("npm error");
  });
});
