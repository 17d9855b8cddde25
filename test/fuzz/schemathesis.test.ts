/**
 * schemathesis (the Python property-based API tester) against the proxy's own /openapi.json on both runtimes:
 * the Node proxy on its embedded runtime, and the Workers build under wrangler dev pointing at a KServe v2 server
 * of the embedded runtime. Checks: no 5xx, and every response conforms to the documented schema.
 * SCHEMATHESIS_MAX_EXAMPLES raises the bound (default 50 per operation).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultUpstream, type FaultUpstream } from "../reliability/fault-upstream.js";
import { REPO_ROOT } from "../support/fixtures.js";
import { createRuntimeBackend, type RuntimeBackend } from "../reliability/runtime-backend.js";
import { requirePrerequisites } from "../support/prerequisites.js";
import { RUNTIMES, startTarget, missingFor, type Target } from "../reliability/targets.js";

const SCHEMATHESIS = join(REPO_ROOT, ".venv", "bin", "schemathesis");
const API_KEY = "schemathesis-key";
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? "50";
const PHASES = process.env.SCHEMATHESIS_PHASES ?? "examples,coverage,fuzzing";
const SEED = process.env.SCHEMATHESIS_SEED ?? "1";

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.each(RUNTIMES)("schemathesis on %s", (runtime) => {
  let backend: RuntimeBackend | undefined;
  let upstream: FaultUpstream | undefined;
  let target: Target;
  let dir: string;

  beforeAll(async () => {
    requirePrerequisites(existsSync(SCHEMATHESIS) ? [] : [".venv/bin/schemathesis"]);
    requirePrerequisites(missingFor(runtime), "npm ci");
    const vars = { API_KEY, GPU_MAX_BATCH_SIZE: "8", GPU_MAX_TEXT_LENGTH: "2000" };
    if (runtime === "node") {
      target = await startTarget("node", undefined, vars);
    } else {
      backend = await createRuntimeBackend();
      upstream = await startFaultUpstream({ backend: backend.fetch });
      target = await startTarget("workers", upstream.url, vars);
    }
    dir = await mkdtemp(join(tmpdir(), "schemathesis-"));
  });
  afterAll(async () => {
    await target?.stop();
    await upstream?.close();
    await backend?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("no server errors, responses match the schema", async () => {
    const spec = await fetch(`${target.url}/openapi.json`, { headers: { "x-api-key": API_KEY } });
    expect(spec.status).toBe(200);
    const specFile = join(dir, "openapi.json");
    await writeFile(specFile, await spec.text());
    const { code, output } = await run(
      SCHEMATHESIS,
      [
        "run",
        specFile,
        "--url",
        target.url,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--header",
        `X-API-Key: ${API_KEY}`,
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--phases",
        PHASES,
        "--suppress-health-check",
        "all",
        ...(process.env.SCHEMATHESIS_MAX_TIME ? ["--max-time", process.env.SCHEMATHESIS_MAX_TIME] : []),
      ],
      170_000,
    );
    expect(code, output).toBe(0);
  }, 200_000);
});
