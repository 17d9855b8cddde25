/**
 * README's "Using the API" run as written: each curl command (its address moved to a proxy process on a free port)
 * against the quick start's server, the embedded runtime on triton-models/ with all-MiniLM-L6-v2 and the default
 * settings; each answer must have the status and shape shown under the command, so that examples which drift fail.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "@gpu-bridge/contract/errors";
import { startProxyProcess, type ProxyProcess } from "../support/proxy-process.js";
import { REPO_ROOT } from "../support/fixtures.js";
import { mismatch, parseShape, readmeApiExamples } from "./readme-examples.js";

const README_ORIGIN = "http://127.0.0.1:8765";
/** The quick start's model: without it (no `npm run setup` or quick start yet) there is nothing to run against. */
const MINILM = join(REPO_ROOT, "triton-models", "all-MiniLM-L6-v2", "1", "model.onnx");

const examples = await readmeApiExamples();
let proxy: ProxyProcess;

describe.skipIf(!existsSync(MINILM))("README's Using the API, run against the quick start's server", () => {
  beforeAll(async () => {
    proxy = await startProxyProcess({ LOG_REQUESTS: "false" });
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  it("has the examples it documents", () => {
    expect(examples.map((e) => e.command.split(" ").find((w) => w.startsWith(README_ORIGIN)))).toEqual(
      expect.arrayContaining(["/health", "/info", "/embed", "/bertscore", "/status", "/v1/embeddings"].map((p) => README_ORIGIN + p)),
    );
  });

  for (const [i, { command, shown }] of examples.entries()) {
    it(`${i + 1}: ${command.slice(0, 90)}`, async () => {
      expect(command.startsWith(`curl `) && command.includes(README_ORIGIN), command).toBe(true);
      // as written, but on this proxy's port, quiet, with the status on a last line of its own
      const script = command.replaceAll(README_ORIGIN, proxy.url).replace(/^curl /, `curl -sS -w '\\n%{http_code}' `);
      const { stdout } = await promisify(execFile)("bash", ["-c", script], { maxBuffer: 16 * 1024 * 1024 });
      const cut = stdout.lastIndexOf("\n");
      const [body, status] = [stdout.slice(0, cut), Number(stdout.slice(cut + 1))];
      const answer = JSON.parse(body) as Record<string, unknown>;
      if (shown === undefined) {
        expect(status, body).toBe(200);
        return;
      }
      const shape = parseShape(shown);
      // an answer shown with a `code` is that error's status; any other, 200
      const code = /"code":"([a-z_]+)"/.exec(shown)?.[1] as ErrorCode | undefined;
      expect(status, body.slice(0, 500)).toBe(code ? ERROR_STATUS[code] : 200);
      expect(mismatch(shape, answer), body.slice(0, 500)).toBeUndefined();
    });
  }
});
