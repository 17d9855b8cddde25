/** KServe v2 protocol behaviour of the runtime: metadata, readiness, config, index, and Triton-style errors. */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeInferRequest } from "@gpu-bridge/kserve/binary";
import { ERROR_CASES, SAME_OUTPUTS_CASES, SAME_OUTPUTS_ROLE, sendErrorCase, sendSameOutputsCase } from "@gpu-bridge/test-support/error-cases";
import { createRuntimeFetch, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "./index.js";
import { bertScoreInputs, bytes, floats, golden, infer, maxAbsDiff, type EmbedGoldens } from "@gpu-bridge/test-support/kserve-test-client";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";

let handle: RuntimeHandle;
let server: RuntimeServer;
const BASE = "http://runtime.invalid";

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, log: () => {} });
  server = await startRuntimeServer({ handle });
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
});

const get = (path: string) => handle.fetch(new Request(`${BASE}${path}`));
const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  handle.fetch(new Request(`${BASE}${path}`, { method: "POST", body, headers }));

async function expectError(res: Response, status: number, pattern: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatch(pattern);
}

describe("server endpoints", () => {
  it("answers server metadata and health like Triton", async () => {
    const meta = (await (await get("/v2")).json()) as { name: string; extensions: string[] };
    expect(meta.extensions).toContain("binary_tensor_data");
    for (const path of ["/v2/health/live", "/v2/health/ready", "/v2/models/embed/ready", "/v2/models/embed/versions/1/ready"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe("");
    }
    expect((await get("/v2/models/nope/ready")).status).toBe(400);
  });

  it("serves model metadata with the batch dimension", async () => {
    const meta = await (await get("/v2/models/bertscore")).json();
    expect(meta).toEqual({
      name: "bertscore",
      versions: ["1"],
      platform: "python",
      inputs: [
        { name: "CANDIDATE", datatype: "BYTES", shape: [-1, 1] },
        { name: "REFERENCE", datatype: "BYTES", shape: [-1, -1] },
        { name: "REFERENCE_COUNT", datatype: "INT32", shape: [-1, 1] },
      ],
      outputs: [
        { name: "PRECISION", datatype: "FP32", shape: [-1, 1] },
        { name: "RECALL", datatype: "FP32", shape: [-1, 1] },
        { name: "F1", datatype: "FP32", shape: [-1, 1] },
        { name: "HASH", datatype: "BYTES", shape: [-1, 1] },
      ],
    });
    const encoder = (await (await get("/v2/models/tiny-bert/versions/1")).json()) as { platform: string };
    expect(encoder.platform).toBe("onnxruntime_onnx");
  });

  it("serves the config in Triton's JSON form, discovery parameters included", async () => {
    const config = (await (await get("/v2/models/bertscore/config")).json()) as Record<string, unknown>;
    expect(config.name).toBe("bertscore");
    expect(config.max_batch_size).toBe(128);
    expect(config.parameters).toMatchObject({
      task: { string_value: "bertscore" },
      model_name: { string_value: "tiny-roberta" },
      num_layers: { string_value: "2" },
      tokenizer_type: { string_value: "roberta" },
    });
    expect((config.input as { dims: string[] }[])[1]?.dims).toEqual(["-1"]);
  });

  it("lists the repository index", async () => {
    const index = await (await post("/v2/repository/index", "{}")).json();
    expect(index).toEqual(
      ["bertscore", "bertscore-tiny-bert", "device_info", "embed", "tiny-bert", "tiny-roberta"].map((name) => ({
        name,
        version: "1",
        state: "READY",
      })),
    );
  });

  it("serves device_info", async () => {
    const out = await infer(handle.fetch, BASE, "device_info", [], { binary: false });
    expect(new TextDecoder().decode((out.get("DEVICE")?.data as Uint8Array[])[0])).toBe("cpu");
    expect((out.get("VRAM_TOTAL_MB")?.data as BigInt64Array)[0]).toBe(-1n);
    expect(new TextDecoder().decode((out.get("RUNTIME")?.data as Uint8Array[])[0])).toMatch(/^onnxruntime-node \d/);
  });

  it("serves the encoders as models: sentence-transformers' embedding of the golden token ids", async () => {
    const [first] = golden<EmbedGoldens>("embed").cases;
    const n = first?.input_ids.length ?? 0;
    const ids = { name: "input_ids", datatype: "INT64" as const, shape: [1, n], data: BigInt64Array.from(first?.input_ids ?? [], BigInt) };
    const mask = { name: "attention_mask", datatype: "INT64" as const, shape: [1, n], data: new BigInt64Array(n).fill(1n) };
    const out = await infer(handle.fetch, BASE, "tiny-bert", [ids, mask], { binary: true });
    expect(out.get("token_embeddings")?.shape).toEqual([1, n, 32]);
    expect(maxAbsDiff(floats(out.get("sentence_embedding")), first?.embedding ?? [])).toBeLessThanOrEqual(1e-5);
  });

  it("returns only the requested outputs, binary or JSON per output", async () => {
    const { body, headers } = encodeInferRequest(
      { inputs: bertScoreInputs(["a cat"], [["the cat"]]), outputs: [{ name: "F1", parameters: { binary_data: true } }, { name: "HASH" }] },
      { binaryInputs: false },
    );
    const res = await post("/v2/models/bertscore/infer", body, headers);
    expect(res.status).toBe(200);
    const headerLength = Number(res.headers.get("inference-header-content-length"));
    const raw = new Uint8Array(await res.arrayBuffer());
    const json = JSON.parse(new TextDecoder().decode(raw.subarray(0, headerLength))) as { outputs: { name: string; data?: unknown }[] };
    expect(json.outputs.map((o) => o.name)).toEqual(["F1", "HASH"]);
    expect(json.outputs[0]?.data).toBeUndefined();
    expect(raw.byteLength - headerLength).toBe(4);
  });
});

describe("errors are Triton-style, never a crash", () => {
  const json = (value: unknown) => JSON.stringify(value);
  const textInput = (extra: Record<string, unknown> = {}) => ({ name: "TEXT", datatype: "BYTES", shape: [1, 1], data: ["hi"], ...extra });

  it("unknown model or version: 404", async () => {
    await expectError(await post("/v2/models/nope/infer", json({ inputs: [] })), 404, /unknown model: 'nope'/);
    await expectError(await get("/v2/models/nope"), 404, /unknown model/);
    await expectError(await get("/v2/models/embed/versions/7"), 404, /version 7/);
    await expectError(await get("/v2/nothing/here"), 404, /Not Found/);
  });

  it("malformed JSON: 400", async () => {
    await expectError(await post("/v2/models/embed/infer", "{"), 400, /failed to parse the request JSON/);
    await expectError(await post("/v2/models/embed/infer", json([1])), 400, /JSON object/);
  });

  it("wrong datatype, shape, missing or unknown input: 400", async () => {
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput({ datatype: "FP32", data: [1] })] })), 400, /data-type is 'FP32', but model 'embed' expects 'BYTES'/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput({ shape: [1, 2], data: ["a", "b"] })] })), 400, /unexpected shape for input 'TEXT'/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput({ shape: [2, 1] })] })), 400, /unexpected number of elements 1/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [] })), 400, /missing required input\(s\) \['TEXT'\]/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput(), textInput()] })), 400, /input 'TEXT' already exists in request/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput({ name: "OTHER" })] })), 400, /unexpected inference input 'OTHER'/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput(), textInput({ name: "OTHER" })] })), 400, /expected 1 inputs but got 2/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput()], outputs: [{ name: "NOPE" }] })), 400, /unexpected inference output 'NOPE'/);
    await expectError(await post("/v2/models/embed/infer", json({ inputs: [textInput({ shape: [65, 1], data: Array(65).fill("x") })] })), 400, /batch-size must be <= 64/);
  });

  it("bad binary lengths: 400", async () => {
    const header = json({ inputs: [{ name: "TEXT", datatype: "BYTES", shape: [1, 1], parameters: { binary_data_size: 10 } }] });
    const body = new Uint8Array([...new TextEncoder().encode(header), 2, 0, 0, 0, 104, 105]);
    await expectError(await post("/v2/models/embed/infer", body, { "Inference-Header-Content-Length": String(header.length) }), 400, /expecting 10 additional bytes/);
    await expectError(await post("/v2/models/embed/infer", body, { "Inference-Header-Content-Length": "9999" }), 400, /invalid Inference-Header-Content-Length/);
    const lying = json({ inputs: [{ name: "TEXT", datatype: "BYTES", shape: [1, 1], parameters: { binary_data_size: 6 } }] });
    const badLength = new Uint8Array([...new TextEncoder().encode(lying), 9, 0, 0, 0, 104, 105]);
    await expectError(await post("/v2/models/embed/infer", badLength, { "Inference-Header-Content-Length": String(lying.length) }), 400, /incomplete string data/);
  });

  describe("the model contract of triton-models/README.md (test/contract/cases.json), as the real Triton answers it", () => {
    const models = { embed: "embed", bertscore: "bertscore-tiny-bert", unavailable: "roberta-large", [SAME_OUTPUTS_ROLE]: "bertscore" };
    let withUnavailable: RuntimeHandle;
    let folder: string;
    beforeAll(async () => {
      // the fixtures plus the committed roberta-large config, never exported: a model that cannot load
      folder = await mkdtemp(path.join(os.tmpdir(), "runtime-errors-"));
      await cp(FIXTURE_REPOSITORY, folder, { recursive: true });
      await cp(fileURLToPath(new URL("../../../triton-models/roberta-large", import.meta.url)), path.join(folder, "roberta-large"), {
        recursive: true,
      });
      withUnavailable = await createRuntimeFetch({ repository: folder, log: () => {} });
    });
    afterAll(async () => {
      await withUnavailable?.close();
      await rm(folder, { recursive: true, force: true });
    });

    for (const errorCase of ERROR_CASES) {
      it(`${errorCase.when}: ${errorCase.status}`, async () => {
        for (const binary of errorCase.json ? [true, false] : [true]) {
          const { status, error } = await sendErrorCase(withUnavailable.fetch, BASE, models, errorCase, binary);
          expect(status, `${binary ? "binary" : "JSON"}: ${error}`).toBe(errorCase.status);
          expect(error).toContain(errorCase.message);
        }
      });
    }

    for (const sameCase of SAME_OUTPUTS_CASES) {
      it(`${sameCase.when}: every spelling, the same outputs`, async () => {
        for (const [who, fetchFn, base] of [["runtime", withUnavailable.fetch, BASE]] as const) {
          const answers = await sendSameOutputsCase(fetchFn, base, models[SAME_OUTPUTS_ROLE], sameCase);
          for (const answer of answers.slice(1)) expect(answer, who).toEqual(answers[0]);
          for (const [name, expected] of Object.entries(sameCase.expect)) expect(answers[0]?.[name], who).toEqual(expected);
        }
      });
    }
  });

  it("the standalone server answers the same errors over HTTP", async () => {
    const res = await fetch(`${server.url}/v2/models/embed/infer`, { method: "POST", body: "{" });
    await expectError(res, 400, /failed to parse/);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
  });
});

describe("batching", () => {
  it("gives the same results one text at a time as in one length-sorted batch", async () => {
    const texts = ["short", "a somewhat longer sentence with several more words in it", "mid length text here", "x", "the end"];
    const together = floats((await infer(handle.fetch, BASE, "embed", [bytes("TEXT", texts)], { binary: true })).get("EMBEDDING"));
    for (const [i, text] of texts.entries()) {
      const alone = floats((await infer(handle.fetch, BASE, "embed", [bytes("TEXT", [text])], { binary: true })).get("EMBEDDING"));
      alone.forEach((v, k) => expect(Math.abs(v - (together[i * 32 + k] as number))).toBeLessThan(1e-5));
    }
  });
});

describe("execution provider", () => {
  it("serves on CPU when CUDA is asked for but this onnxruntime build or machine has none", async () => {
    const logs: string[] = [];
    const cuda = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY, executionProvider: "cuda", log: (m) => logs.push(m) });
    try {
      const device = new TextDecoder().decode(
        ((await infer(cuda.fetch, BASE, "device_info", [], { binary: false })).get("DEVICE")?.data as Uint8Array[])[0],
      );
      const encoder = cuda.repository.models.get("tiny-bert") as unknown as { encoder: { executionProvider: string } };
      expect(device).toBe(encoder.encoder.executionProvider);
      if (device === "cpu") expect(logs.join("\n")).toMatch(/CUDA execution provider unavailable/);
      const out = await infer(cuda.fetch, BASE, "embed", [bytes("TEXT", ["hello"])], { binary: true });
      expect(out.get("EMBEDDING")?.shape).toEqual([1, 32]);
    } finally {
      await cuda.close();
    }
  });
});
