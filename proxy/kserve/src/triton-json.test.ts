import { describe, expect, it } from "vitest";
import { decodeInferResponse, encodeInferResponse } from "./binary.js";
import { parseTritonJson, stringifyTritonJson } from "./triton-json.js";

// What tritonserver 2.51 answered for bertscore with idf and one reference (test/triton sees it live).
const TRITON_BODY =
  '{"model_name":"bertscore-tiny-bert","model_version":"1","outputs":[{"name":"PRECISION","datatype":"FP32","shape":[1,1],"data":[NaN]},' +
  '{"name":"RECALL","datatype":"FP32","shape":[1,1],"data":[NaN]},{"name":"F1","datatype":"FP32","shape":[1,1],"data":[0.0]},' +
  '{"name":"HASH","datatype":"BYTES","shape":[1,1],"data":["tiny-bert_L3_idf_version=0.3.12(hug_trans=5.23.0)"]}]}';

describe("Triton's JSON", () => {
  it("reads NaN and ±Infinity tokens as numbers, and leaves strings alone", () => {
    expect(parseTritonJson('{"s":"NaN \\" Infinity","d":[NaN,-Infinity,Infinity,1.5,-0.25]}')).toEqual({
      s: 'NaN " Infinity',
      d: [NaN, -Infinity, Infinity, 1.5, -0.25],
    });
    expect(parseTritonJson('{"d":[1,2]}')).toEqual({ d: [1, 2] });
  });

  it("still refuses what is not JSON", () => {
    expect(() => parseTritonJson('{"d":[NaNa]}')).toThrow(SyntaxError);
    expect(() => parseTritonJson("{d:[1]}")).toThrow(SyntaxError);
  });

  it("writes non-finite numbers as Triton does", () => {
    expect(stringifyTritonJson({ d: [NaN, 1, -Infinity, Infinity], s: "NaN" })).toBe('{"d":[NaN,1,-Infinity,Infinity],"s":"NaN"}');
    expect(stringifyTritonJson({ d: [1], s: "undefinedNaN" })).toBe('{"d":[1],"s":"undefinedNaN"}');
  });

  it("decodes Triton's infer response with NaN scores", () => {
    const decoded = decodeInferResponse(new TextEncoder().encode(TRITON_BODY), null);
    const precision = decoded.outputs.find((t) => t.name === "PRECISION");
    expect(precision?.data).toBeInstanceOf(Float32Array);
    expect(Number.isNaN((precision?.data as Float32Array)[0])).toBe(true);
    expect(Array.from(decoded.outputs.find((t) => t.name === "F1")?.data as Float32Array)).toEqual([0]);
  });

  it("round-trips NaN through JSON tensors, as a server writing Triton's tokens", () => {
    const encoded = encodeInferResponse(
      { model_name: "m", outputs: [{ name: "P", datatype: "FP32", shape: [2, 1], data: new Float32Array([NaN, 0.5]) }] },
      new Set(),
    );
    expect(new TextDecoder().decode(encoded.body)).toContain('"data":[NaN,0.5]');
    const data = decodeInferResponse(encoded.body, null).outputs[0]?.data as Float32Array;
    expect(Number.isNaN(data[0])).toBe(true);
    expect(data[1]).toBe(0.5);
  });
});
