import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  binaryOutputNames,
  decodeInferRequest,
  decodeInferResponse,
  encodeInferRequest,
  encodeInferResponse,
  parseHeaderLength,
} from "./binary.js";
import { tensorDataFromBytes, tensorDataToBytes } from "./tensor-data.js";
import { KServeError } from "./errors.js";
import type { Tensor } from "./types.js";

const enc = new TextEncoder();

function bytesTensor(name: string, texts: string[], shape = [texts.length, 1]): Tensor {
  return { name, datatype: "BYTES", shape, data: texts.map((t) => enc.encode(t)) };
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KServeError);
    expect((err as KServeError).status).toBe(400);
    expect((err as KServeError).message).toMatch(pattern);
    return;
  }
  throw new Error("expected a KServeError");
}

describe("binary tensor layout", () => {
  it("writes BYTES as 4-byte little-endian length + bytes", () => {
    const bytes = tensorDataToBytes("BYTES", [enc.encode("ab"), enc.encode("")]);
    expect(Array.from(bytes)).toEqual([2, 0, 0, 0, 97, 98, 0, 0, 0, 0]);
  });

  it("writes numbers little-endian, row-major", () => {
    expect(Array.from(tensorDataToBytes("INT32", new Int32Array([1, -2])))).toEqual([1, 0, 0, 0, 254, 255, 255, 255]);
    expect(Array.from(tensorDataToBytes("INT64", new BigInt64Array([258n])))).toEqual([2, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(tensorDataToBytes("FP32", new Float32Array([1])))).toEqual([0, 0, 0x80, 0x3f]);
    expect(Array.from(tensorDataToBytes("BOOL", new Uint8Array([1, 0])))).toEqual([1, 0]);
  });

  it("round-trips FP32 tensors exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 64 }), (values) => {
        const data = new Float32Array(values);
        const back = tensorDataFromBytes("FP32", tensorDataToBytes("FP32", data), [data.length], "x");
        expect(Array.from(back as Float32Array)).toEqual(Array.from(data));
      }),
    );
  });

  it("round-trips BYTES tensors with any strings", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 16 }), (texts) => {
        const data = texts.map((t) => enc.encode(t));
        const back = tensorDataFromBytes("BYTES", tensorDataToBytes("BYTES", data), [texts.length], "x");
        expect((back as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(texts);
      }),
    );
  });

  it("rejects byte sizes that do not match the shape", () => {
    expectInvalid(() => tensorDataFromBytes("FP32", new Uint8Array(6), [2], "X"), /unexpected total byte size 6/);
    expectInvalid(() => tensorDataFromBytes("BYTES", new Uint8Array([5, 0, 0, 0, 97]), [1], "T"), /incomplete string data/);
    expectInvalid(() => tensorDataFromBytes("BYTES", new Uint8Array([1, 0]), [1], "T"), /incomplete string length/);
    expectInvalid(
      () => tensorDataFromBytes("BYTES", tensorDataToBytes("BYTES", [enc.encode("a")]), [2], "T"),
      /unexpected number of string elements 1 for inference input 'T', expecting 2/,
    );
  });
});

describe("infer request messages", () => {
  const inputs: Tensor[] = [
    bytesTensor("CANDIDATE", ["héllo", "wörld"]),
    { name: "REFERENCE_COUNT", datatype: "INT32", shape: [2, 1], data: new Int32Array([1, 1]) },
  ];

  for (const binaryInputs of [true, false]) {
    it(`round-trips a request with ${binaryInputs ? "binary" : "JSON"} inputs`, () => {
      const { body, headers } = encodeInferRequest(
        { inputs, parameters: { idf: true }, outputs: [{ name: "F1", parameters: { binary_data: true } }] },
        { binaryInputs, binaryOutputs: false },
      );
      const headerLength = parseHeaderLength(new Headers(headers), body.byteLength);
      expect(headerLength === null).toBe(!binaryInputs);
      const decoded = decodeInferRequest(body, headerLength);
      expect(decoded.parameters).toEqual({ idf: true, binary_data_output: false });
      expect(decoded.inputs.map((t) => [t.name, t.datatype, t.shape])).toEqual(inputs.map((t) => [t.name, t.datatype, t.shape]));
      expect(decoded.inputs[0]?.data).toEqual(inputs[0]?.data);
      expect(Array.from(decoded.inputs[1]?.data as Int32Array)).toEqual([1, 1]);
      expect(binaryOutputNames(decoded, ["PRECISION", "F1"])).toEqual(new Set(["F1"]));
    });
  }

  it("accepts nested JSON data (Triton flattens it)", () => {
    const body = enc.encode(JSON.stringify({ inputs: [{ name: "X", datatype: "FP32", shape: [2, 2], data: [[1, 2], [3, 4]] }] }));
    expect(Array.from(decodeInferRequest(body, null).inputs[0]?.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it("rejects malformed requests with 400", () => {
    const json = (v: unknown) => enc.encode(JSON.stringify(v));
    expectInvalid(() => decodeInferRequest(enc.encode("{not json"), null), /failed to parse the request JSON/);
    expectInvalid(() => decodeInferRequest(json({}), null), /'inputs' array/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "FP8", shape: [1], data: [1] }] }), null), /invalid datatype "FP8"/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "FP32", shape: [-1], data: [1] }] }), null), /invalid shape/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "FP32", shape: [2], data: [1] }] }), null), /unexpected number of elements 1/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "INT32", shape: [1], data: [1.5] }] }), null), /expected INT32 element, got 1.5/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "BYTES", shape: [1], data: [3] }] }), null), /expected BYTES element/);
    expectInvalid(() => decodeInferRequest(json({ inputs: [{ name: "X", datatype: "BYTES", shape: [1] }] }), null), /neither 'data' nor 'binary_data_size'/);
    const header = json({ inputs: [{ name: "X", datatype: "INT32", shape: [1], parameters: { binary_data_size: 8 } }] });
    const body = new Uint8Array(header.byteLength + 4);
    body.set(header);
    expectInvalid(() => decodeInferRequest(body, header.byteLength), /expecting 8 additional bytes but only 4 remain/);
    expectInvalid(() => decodeInferRequest(body, null), /failed to parse|no Inference-Header-Content-Length/);
    const header4 = json({ inputs: [{ name: "X", datatype: "INT32", shape: [1], parameters: { binary_data_size: 4 } }] });
    const extra = new Uint8Array(header4.byteLength + 8);
    extra.set(header4);
    expectInvalid(() => decodeInferRequest(extra, header4.byteLength), /unexpected additional 4 bytes/);
    expectInvalid(() => parseHeaderLength(new Headers({ "Inference-Header-Content-Length": "99" }), 10), /invalid Inference-Header-Content-Length/);
    expectInvalid(() => parseHeaderLength(new Headers({ "Inference-Header-Content-Length": "-1" }), 10), /invalid/);
  });
});

describe("infer response messages", () => {
  it("puts the requested outputs in the binary section, the rest in JSON", () => {
    const outputs: Tensor[] = [
      { name: "F1", datatype: "FP32", shape: [1, 1], data: new Float32Array([0.5]) },
      bytesTensor("HASH", ["roberta-large_L17"]),
    ];
    const { body, headers } = encodeInferResponse({ model_name: "bertscore", model_version: "1", outputs }, new Set(["F1"]));
    expect(headers["content-type"]).toBe("application/octet-stream");
    const headerLength = parseHeaderLength(new Headers(headers), body.byteLength);
    const json = JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength ?? 0))) as { outputs: { name: string; data?: unknown; parameters?: unknown }[] };
    expect(json.outputs[0]).toEqual({ name: "F1", datatype: "FP32", shape: [1, 1], parameters: { binary_data_size: 4 } });
    expect(json.outputs[1]?.data).toEqual(["roberta-large_L17"]);
    const decoded = decodeInferResponse(body, headerLength);
    expect(decoded.model_version).toBe("1");
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual([0.5]);
  });

  it("is plain JSON when no output is binary", () => {
    const { body, headers } = encodeInferResponse(
      { model_name: "m", outputs: [{ name: "B", datatype: "BOOL", shape: [2], data: new Uint8Array([1, 0]) }] },
      new Set(),
    );
    expect(headers["content-type"]).toBe("application/json");
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ model_name: "m", outputs: [{ name: "B", datatype: "BOOL", shape: [2], data: [true, false] }] });
  });
});
