/**
 * The runtime in process answers as the KServe v2 client reads the same runtime over HTTP: the same outputs, and
 * the same error kind, status and message for the same mistakes; a caller that leaves or a deadline that passes
 * ends the call as over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KServeClient } from "@gpu-bridge/kserve/client";
import { UpstreamError, type Inference, type InferOptions } from "@gpu-bridge/kserve/inference";
import type { Tensor } from "@gpu-bridge/kserve/types";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { createRuntimeFetch, InProcessInference, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "./index.js";

let handle: RuntimeHandle;
let server: RuntimeServer;
let inProcess: InProcessInference;
let overHttp: KServeClient;

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, log: () => {} });
  server = await startRuntimeServer({ handle });
  inProcess = new InProcessInference(handle.repository, { timeoutMs: 10_000, log: () => {} });
  overHttp = new KServeClient({ baseUrl: server.url, fetch: (url, init) => fetch(url, init), timeoutMs: 10_000 });
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
});

const encoder = new TextEncoder();
const texts = (name: string, values: string[], columns = 1): Tensor => ({
  name,
  datatype: "BYTES",
  shape: [values.length / columns, columns],
  data: values.map((t) => encoder.encode(t)),
});
const EMBED: InferOptions = { outputs: ["EMBEDDING"], binary: true };

async function outcome(inference: Inference, model: string, inputs: Tensor[], options: InferOptions) {
  try {
    const outputs = await inference.infer(model, inputs, options);
    return { outputs: [...outputs].map(([name, t]) => ({ name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data as Float32Array) })) };
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    return { kind: err.kind, status: err.status, message: err.message };
  }
}

describe("the runtime in process", () => {
  it("lists, describes and serves what its KServe v2 server does", async () => {
    expect(await inProcess.repositoryIndex()).toEqual(await overHttp.repositoryIndex());
    expect(await inProcess.modelConfig("embed")).toEqual(await overHttp.modelConfig("embed"));
    expect(await inProcess.serverMetadata()).toEqual(await overHttp.serverMetadata());
    expect(await inProcess.ready()).toBe(true);
  });

  it.each([
    ["embeddings", "embed", [texts("TEXT", ["a sentence", "another one"])], EMBED],
    ["only the outputs asked for", "bertscore", [texts("CANDIDATE", ["a"]), texts("REFERENCE", ["b"])], { outputs: ["F1"], binary: true }],
    ["an unknown model", "no-such-model", [texts("TEXT", ["a"])], EMBED],
    ["a wrong datatype", "embed", [{ name: "TEXT", datatype: "INT32", shape: [1, 1], data: Int32Array.of(1) } as Tensor], EMBED],
    ["an unknown input", "embed", [texts("TEXTS", ["a"])], EMBED],
    ["an unknown output", "embed", [texts("TEXT", ["a"])], { outputs: ["VECTORS"], binary: true }],
    ["too many rows", "embed", [texts("TEXT", Array.from({ length: 1000 }, () => "a"))], EMBED],
    ["a bad parameter", "bertscore", [texts("CANDIDATE", ["a"]), texts("REFERENCE", ["b"])], { outputs: ["F1"], binary: true, parameters: { idf: 3 } }],
  ] as const)("answers %s as over HTTP", async (_what, model, inputs, options) => {
    const local = await outcome(inProcess, model, [...inputs], { ...options, outputs: [...options.outputs] });
    const remote = await outcome(overHttp, model, [...inputs], { ...options, outputs: [...options.outputs] });
    expect(local).toEqual(remote);
  });

  it("ends the call when its caller leaves or its deadline passes", async () => {
    const gone = new AbortController();
    gone.abort();
    await expect(inProcess.infer("embed", [texts("TEXT", ["a"])], { ...EMBED, signal: gone.signal })).rejects.toMatchObject({ kind: "aborted" });
    const late = inProcess.infer("embed", [texts("TEXT", Array.from({ length: 64 }, (_, i) => `text ${i} `.repeat(50)))], { ...EMBED, timeoutMs: 0 });
    await expect(late).rejects.toMatchObject({ kind: "timeout" });
  });
});
