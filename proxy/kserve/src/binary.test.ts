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
import { invalid, refusal } from "../test/refusal.js";

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
    expectInvalid(() => decodeInferRequest(extra, header4.byteLength), /^unexpected additional 4 bytes in the binary section of the request$/);
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

describe("infer request validation", () => {
  const json = (v: unknown) => enc.encode(JSON.stringify(v));
  const input = (fields: Record<string, unknown> = {}) => ({ name: "X", datatype: "INT32", shape: [1], data: [1], ...fields });
  const request = (header: unknown) => refusal(() => decodeInferRequest(json(header), null));
  /** A binary request: the JSON header, then `binary` bytes. */
  const binaryRequest = (header: unknown, binary: number) => {
    const head = json(header);
    const body = new Uint8Array(head.byteLength + binary);
    body.set(head);
    return { body, headerLength: head.byteLength };
  };

  it("reads Inference-Header-Content-Length: absent, up to the whole body, digits only", () => {
    const length = (value?: string) => parseHeaderLength(new Headers(value === undefined ? {} : { "Inference-Header-Content-Length": value }), 10);
    expect([length(), length("10"), length("0"), length(" 7 ")]).toEqual([null, 10, 0, 7]);
    for (const value of ["11", "1e1", "0x1", "", "+1", "2.5"]) {
      expect(refusal(() => length(value))).toEqual(invalid(`invalid Inference-Header-Content-Length '${value}' for a body of 10 bytes`));
    }
  });

  it("refuses a body that is not a UTF-8 JSON object", () => {
    expect(refusal(() => decodeInferRequest(new Uint8Array([0x7b, 0xff, 0x7d]), null))).toEqual(
      invalid("failed to parse the request JSON buffer: invalid UTF-8"),
    );
    for (const body of [[], null, "x", 1]) expect(request(body)).toEqual(invalid("the request body must be a JSON object"));
  });

  it("checks the request's id, parameters, inputs and requested outputs", () => {
    expect(request({ id: 7, inputs: [] })).toEqual(invalid("'id' must be a string"));
    expect(request({ parameters: [], inputs: [] })).toEqual(invalid("'parameters' of the request must be an object"));
    expect(request({ parameters: null, inputs: [] })).toEqual(invalid("'parameters' of the request must be an object"));
    expect(request({ parameters: { a: 1, b: { c: 1 } }, inputs: [] })).toEqual(
      invalid("parameter 'b' of the request must be a string, number or boolean"),
    );
    expect(request({ parameters: { a: null }, inputs: [] })).toEqual(invalid("parameter 'a' of the request must be a string, number or boolean"));
    expect(request({ inputs: {} })).toEqual(invalid("the request must have an 'inputs' array"));
    expect(request({ inputs: [], outputs: {} })).toEqual(invalid("'outputs' must be an array"));
    for (const output of [null, [], "F1", { name: 1 }, {}]) {
      expect(request({ inputs: [], outputs: [output] })).toEqual(invalid("each requested output needs a 'name'"));
    }
    expect(request({ inputs: [], outputs: [{ name: "F1", parameters: { binary_data: [] } }] })).toEqual(
      invalid("parameter 'binary_data' of output 'F1' must be a string, number or boolean"),
    );
  });

  it("checks each input's name, datatype, shape and parameters", () => {
    for (const i of [null, [], "X"]) expect(request({ inputs: [i] })).toEqual(invalid("each input must be an object"));
    for (const name of ["", 3, undefined]) {
      expect(request({ inputs: [input({ name })] })).toEqual(invalid("input 'name' must be a non-empty string"));
    }
    expect(request({ inputs: [input({ datatype: "fp32" })] })).toEqual(invalid(`invalid datatype "fp32" for input 'X'`));
    expect(request({ inputs: [input({ datatype: undefined })] })).toEqual(invalid("invalid datatype undefined for input 'X'"));
    expect(request({ inputs: [input({ shape: [1, -1] })] })).toEqual(invalid("invalid shape for input 'X'"));
    expect(request({ inputs: [input({ parameters: "x" })] })).toEqual(invalid("'parameters' of input 'X' must be an object"));
  });

  it("refuses binary_data_size that is not a byte count of the binary section", () => {
    const sized = (size: unknown, fields: Record<string, unknown> = {}) => ({
      inputs: [{ name: "X", datatype: "INT32", shape: [1], parameters: { binary_data_size: size }, ...fields }],
    });
    for (const size of [-4, 1.5, "4"]) {
      const { body, headerLength } = binaryRequest(sized(size), 4);
      expect(refusal(() => decodeInferRequest(body, headerLength))).toEqual(invalid("invalid 'binary_data_size' for input 'X'"));
    }
    const both = binaryRequest(sized(4, { data: [1] }), 4);
    expect(refusal(() => decodeInferRequest(both.body, both.headerLength))).toEqual(invalid("input 'X' has both 'data' and 'binary_data_size'"));
    expect(request(sized(4))).toEqual(invalid("input 'X' has 'binary_data_size' but the request has no Inference-Header-Content-Length header"));
    // a zero-size tensor takes no bytes: the next one starts where it would have
    const empty = binaryRequest(
      { inputs: [{ name: "E", datatype: "INT32", shape: [0], parameters: { binary_data_size: 0 } }, sized(4).inputs[0]] },
      4,
    );
    expect(decodeInferRequest(empty.body, empty.headerLength).inputs.map((t) => Array.from(t.data as Int32Array))).toEqual([[], [0]]);
  });

  it("keeps the request's id, parameters and requested outputs, and each tensor's parameters", () => {
    const { body, headerLength } = binaryRequest(
      {
        id: "r1",
        parameters: { idf: true },
        inputs: [
          { name: "B", datatype: "INT32", shape: [1], parameters: { binary_data_size: 4, p: "q" } },
          input({ parameters: { lang: "en" } }),
        ],
        outputs: [{ name: "F1", parameters: { binary_data: true } }, { name: "HASH" }],
      },
      4,
    );
    const decoded = decodeInferRequest(body, headerLength);
    expect(decoded.id).toBe("r1");
    expect(decoded.parameters).toEqual({ idf: true });
    expect(decoded.outputs).toStrictEqual([{ name: "F1", parameters: { binary_data: true } }, { name: "HASH" }]);
    expect(decoded.inputs.map((t) => t.parameters)).toEqual([{ binary_data_size: 4, p: "q" }, { lang: "en" }]);
  });

  it("encodes inputs in binary by default, and adds no parameters nobody asked for", () => {
    const { body, headers } = encodeInferRequest({ id: "r2", inputs: [{ name: "X", datatype: "INT32", shape: [1], data: new Int32Array([5]) }] });
    const headerLength = Number(headers["inference-header-content-length"]);
    expect(headers).toEqual({ "content-type": "application/octet-stream", "inference-header-content-length": String(headerLength) });
    expect(JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength)))).toEqual({
      id: "r2",
      inputs: [{ name: "X", datatype: "INT32", shape: [1], parameters: { binary_data_size: 4 } }],
    });
    const json = encodeInferRequest({ inputs: [{ name: "X", datatype: "INT32", shape: [1], data: new Int32Array([5]), parameters: { a: 1 } }] }, { binaryInputs: false });
    expect(JSON.parse(new TextDecoder().decode(json.body))).toEqual({ inputs: [{ name: "X", datatype: "INT32", shape: [1], parameters: { a: 1 }, data: [5] }] });
  });

  it("picks binary outputs by per-output binary_data first, then binary_data_output", () => {
    const all = ["A", "B", "C"];
    const outputs = [{ name: "A", parameters: { binary_data: false } }, { name: "B", parameters: { binary_data: true } }, { name: "C" }];
    expect(binaryOutputNames({ parameters: { binary_data_output: true }, outputs }, all)).toEqual(new Set(["B", "C"]));
    expect(binaryOutputNames({ outputs }, all)).toEqual(new Set(["B"]));
    expect(binaryOutputNames({ parameters: { binary_data_output: true } }, all)).toEqual(new Set(all));
    expect(binaryOutputNames({ parameters: { binary_data_output: "true" } }, all)).toEqual(new Set());
    expect(binaryOutputNames({}, all)).toEqual(new Set());
  });
});

describe("infer response validation", () => {
  const json = (v: unknown) => enc.encode(JSON.stringify(v));
  const output = { name: "F1", datatype: "FP32", shape: [1], data: [0.5] };

  it("refuses a response without model_name and outputs", () => {
    for (const header of [[], { outputs: [] }, { model_name: 1, outputs: [] }, { model_name: "m" }, { model_name: "m", outputs: {} }]) {
      expectInvalid(() => decodeInferResponse(json(header), null), /^malformed infer response: expected 'model_name' and 'outputs'$/);
    }
    expectInvalid(() => decodeInferResponse(json({ model_name: "m", outputs: [{ ...output, datatype: "FP8" }] }), null), /^invalid datatype "FP8" for output 'F1'$/);
    expectInvalid(() => decodeInferResponse(json({ model_name: "m", outputs: [{ ...output, data: undefined }] }), null), /^output 'F1' has neither 'data' nor 'binary_data_size'$/);
    const head = json({ model_name: "m", outputs: [{ ...output, data: undefined, parameters: { binary_data_size: 4 } }] });
    const body = new Uint8Array(head.byteLength + 6);
    body.set(head);
    expectInvalid(() => decodeInferResponse(body, head.byteLength), /^unexpected additional 2 bytes in the binary section of the response$/);
  });

  it("keeps the response's version, id and parameters when they have the right type", () => {
    const decoded = decodeInferResponse(json({ model_name: "m", model_version: "2", id: "r1", parameters: { p: 1 }, outputs: [output] }), null);
    expect([decoded.model_version, decoded.id, decoded.parameters]).toEqual(["2", "r1", { p: 1 }]);
    const odd = decodeInferResponse(json({ model_name: "m", model_version: 2, id: 1, parameters: [1], outputs: [output] }), null);
    expect([odd.model_version, odd.id, odd.parameters]).toEqual([undefined, undefined, undefined]);
  });

  it("writes the response's id and parameters", () => {
    const { body } = encodeInferResponse({ model_name: "m", id: "r1", parameters: { p: "q" }, outputs: [] }, new Set());
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ model_name: "m", id: "r1", parameters: { p: "q" }, outputs: [] });
  });
});
