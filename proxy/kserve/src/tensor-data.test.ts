/**
 * One tensor's data as the codec reads and writes it: datatypes and shapes, the typed array each datatype decodes
 * to, the JSON form's element types and integer ranges, and the texts of its refusals (they reach clients as the
 * 400 of an infer request, worded as Triton words them).
 */
import { describe, expect, it } from "vitest";
import { invalid, refusal } from "../test/refusal.js";
import { elementCount, isDatatype, isValidShape, tensorDataFromBytes, tensorDataFromJson, tensorDataToBytes, tensorDataToJson } from "./tensor-data.js";
import { DATATYPES, type Datatype } from "./types.js";

describe("datatypes and shapes", () => {
  it("knows the twelve KServe datatypes and nothing else", () => {
    for (const datatype of DATATYPES) expect(isDatatype(datatype)).toBe(true);
    for (const other of ["fp32", "FP16", "BF16", "", 5, null, undefined, ["FP32"]]) expect(isDatatype(other)).toBe(false);
  });

  it("takes shapes of non-negative safe integers, zero and the empty shape included", () => {
    for (const shape of [[], [0], [2, 0, 3], [1, 4]]) expect(isValidShape(shape)).toBe(true);
    for (const shape of [[-1], [2, -1], [1.5], [2 ** 53], ["2"], [NaN], "2", null, { 0: 2 }]) expect(isValidShape(shape)).toBe(false);
    expect([elementCount([]), elementCount([2, 3]), elementCount([4, 0])]).toEqual([1, 6, 0]);
  });
});

describe("raw bytes", () => {
  const cases: [Datatype, number[], unknown, unknown[]][] = [
    ["BOOL", [1, 0], Uint8Array, [1, 0]],
    ["UINT8", [255], Uint8Array, [255]],
    ["INT8", [255], Int8Array, [-1]],
    ["UINT16", [0xff, 0xff], Uint16Array, [65535]],
    ["INT16", [0xfe, 0xff], Int16Array, [-2]],
    ["UINT32", [0xff, 0xff, 0xff, 0xff], Uint32Array, [4294967295]],
    ["INT32", [0xfd, 0xff, 0xff, 0xff], Int32Array, [-3]],
    ["FP32", [0, 0, 0xc0, 0x3f], Float32Array, [1.5]],
    ["UINT64", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], BigUint64Array, [2n ** 64n - 1n]],
    ["INT64", [0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], BigInt64Array, [-4n]],
    ["FP64", [0, 0, 0, 0, 0, 0, 0xf8, 0x3f], Float64Array, [1.5]],
  ];
  for (const [datatype, bytes, type, values] of cases) {
    it(`decodes ${datatype} little-endian into a ${(type as { name: string }).name}, and writes it back`, () => {
      const data = tensorDataFromBytes(datatype, Uint8Array.from(bytes), [values.length], "X");
      expect(data).toBeInstanceOf(type);
      expect(Array.from(data as ArrayLike<unknown>)).toEqual(values);
      expect(Array.from(tensorDataToBytes(datatype, data))).toEqual(bytes);
    });
  }

  it("writes only the bytes of a typed array's own view", () => {
    const view = new Int32Array(new Int32Array([7, 8, 9]).buffer, 4, 1);
    expect(Array.from(tensorDataToBytes("INT32", view))).toEqual([8, 0, 0, 0]);
  });

  it("decodes an empty BYTES tensor and refuses bad lengths with Triton's texts", () => {
    expect(tensorDataFromBytes("BYTES", new Uint8Array(0), [0], "T")).toEqual([]);
    expect(refusal(() => tensorDataFromBytes("BYTES", new Uint8Array([9, 0, 0, 0, 97, 98]), [1], "T"))).toEqual(
      invalid("incomplete string data for inference input 'T', expecting string of length 9 but only 2 bytes available"),
    );
    expect(refusal(() => tensorDataFromBytes("BYTES", new Uint8Array([1, 0, 0, 0, 97, 0, 0]), [2], "T"))).toEqual(
      invalid("incomplete string length for inference input 'T'"),
    );
    expect(refusal(() => tensorDataFromBytes("INT64", new Uint8Array(12), [2], "X"))).toEqual(
      invalid("unexpected total byte size 12 for input 'X', expecting 16"),
    );
  });
});

describe("the JSON form", () => {
  const fromJson = (datatype: Datatype, data: unknown[]) => tensorDataFromJson(datatype, data, [data.length], "X");
  const element = (datatype: Datatype, got: string) =>
    invalid(`unable to parse 'data' of inference input 'X': expected ${datatype} element, got ${got}`);

  it("reads each datatype's elements into its typed array", () => {
    expect(fromJson("BOOL", [true, false])).toEqual(new Uint8Array([1, 0]));
    expect(fromJson("FP32", [1.5, -0.25])).toEqual(new Float32Array([1.5, -0.25]));
    expect(fromJson("FP64", [0.1])).toEqual(new Float64Array([0.1]));
    expect(fromJson("INT64", [-5, 2 ** 40])).toEqual(new BigInt64Array([-5n, 2n ** 40n]));
    expect(fromJson("UINT64", [7])).toEqual(new BigUint64Array([7n]));
    expect(fromJson("INT16", [-3])).toEqual(new Int16Array([-3]));
    expect(fromJson("BYTES", ["é"])).toEqual([new TextEncoder().encode("é")]);
  });

  it("refuses an element of the wrong type, naming the datatype and the element", () => {
    expect(refusal(() => fromJson("BOOL", [1]))).toEqual(element("BOOL", "1"));
    expect(refusal(() => fromJson("FP32", ["1"]))).toEqual(element("FP32", '"1"'));
    expect(refusal(() => fromJson("FP64", [null]))).toEqual(element("FP64", "null"));
    expect(refusal(() => fromJson("INT64", [1.5]))).toEqual(element("INT64", "1.5"));
    expect(refusal(() => fromJson("UINT64", [true]))).toEqual(element("UINT64", "true"));
    expect(refusal(() => fromJson("INT32", ["2"]))).toEqual(element("INT32", '"2"'));
    expect(refusal(() => fromJson("BYTES", [{ a: 1 }]))).toEqual(element("BYTES", '{"a":1}'));
  });

  it("takes each integer datatype's whole range and nothing past either end", () => {
    const ranges: [Datatype, number, number][] = [
      ["UINT8", 0, 0xff],
      ["INT8", -0x80, 0x7f],
      ["UINT16", 0, 0xffff],
      ["INT16", -0x8000, 0x7fff],
      ["UINT32", 0, 0xffffffff],
      ["INT32", -0x80000000, 0x7fffffff],
      ["UINT64", 0, Number.MAX_SAFE_INTEGER],
      ["INT64", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ];
    for (const [datatype, min, max] of ranges) {
      expect(tensorDataToJson(datatype, fromJson(datatype, [min, max]))).toEqual([min, max]);
      expect(refusal(() => fromJson(datatype, [min - 1]))).toEqual(element(datatype, String(min - 1)));
      expect(refusal(() => fromJson(datatype, [max + 1]))).toEqual(element(datatype, String(max + 1)));
    }
  });

  it("refuses data that is not an array, or has the wrong number of elements for the shape", () => {
    expect(refusal(() => tensorDataFromJson("FP32", { 0: 1 }, [1], "X"))).toEqual(
      invalid("expected 'data' of inference input 'X' to be an array"),
    );
    expect(refusal(() => tensorDataFromJson("FP32", [[1, 2], [3]], [2, 2], "X"))).toEqual(
      invalid("unexpected number of elements 3 for inference input 'X', expecting 4 for shape [2,2]"),
    );
  });

  it("writes BOOL as booleans, 64-bit integers as numbers and BYTES as text", () => {
    expect(tensorDataToJson("BOOL", new Uint8Array([0, 1, 2]))).toEqual([false, true, true]);
    expect(tensorDataToJson("INT64", new BigInt64Array([-2n, 3n]))).toEqual([-2, 3]);
    expect(tensorDataToJson("UINT64", new BigUint64Array([9n]))).toEqual([9]);
    expect(tensorDataToJson("UINT8", new Uint8Array([200]))).toEqual([200]);
    expect(tensorDataToJson("BYTES", [new TextEncoder().encode("ß")])).toEqual(["ß"]);
  });
});
