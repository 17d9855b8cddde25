/**
 * KServe v2 tensor data: datatypes and element sizes, and one tensor's data as raw little-endian bytes (Triton's
 * binary tensor extension; BYTES elements as a 4-byte little-endian length followed by the bytes) or as JSON, each
 * way checked against the shape. Messages that carry tensors are binary.ts. Web-standard only.
 */
import { invalidArgument } from "./errors.js";
import { DATATYPES, type Datatype, type TensorData } from "./types.js";

const textEncoder = new TextEncoder();
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type NumericDatatype = Exclude<Datatype, "BYTES">;

const ELEMENT_SIZE: Record<NumericDatatype, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === "string" && (DATATYPES as readonly string[]).includes(value);
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function allocate(datatype: NumericDatatype, buffer: ArrayBuffer): Exclude<TensorData, Uint8Array[]> {
  switch (datatype) {
    case "BOOL":
    case "UINT8":
      return new Uint8Array(buffer);
    case "INT8":
      return new Int8Array(buffer);
    case "UINT16":
      return new Uint16Array(buffer);
    case "INT16":
      return new Int16Array(buffer);
    case "UINT32":
      return new Uint32Array(buffer);
    case "INT32":
      return new Int32Array(buffer);
    case "FP32":
      return new Float32Array(buffer);
    case "UINT64":
      return new BigUint64Array(buffer);
    case "INT64":
      return new BigInt64Array(buffer);
    case "FP64":
      return new Float64Array(buffer);
  }
}

function byteSwap(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** Raw little-endian bytes of tensor data (BYTES: length-prefixed elements). */
export function tensorDataToBytes(datatype: Datatype, data: TensorData): Uint8Array {
  if (datatype === "BYTES") {
    const items = data as Uint8Array[];
    let total = 0;
    for (const item of items) total += 4 + item.byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const item of items) {
      view.setUint32(offset, item.byteLength, true);
      out.set(item, offset + 4);
      offset += 4 + item.byteLength;
    }
    return out;
  }
  const typed = data as Exclude<TensorData, Uint8Array[]>;
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  if (LITTLE_ENDIAN_HOST || ELEMENT_SIZE[datatype] === 1) return bytes;
  const swapped = bytes.slice();
  byteSwap(swapped, ELEMENT_SIZE[datatype]);
  return swapped;
}

/** Decodes raw little-endian bytes of one tensor, checking the byte size against the shape. */
export function tensorDataFromBytes(
  datatype: Datatype,
  bytes: Uint8Array,
  shape: readonly number[],
  name: string,
): TensorData {
  const count = elementCount(shape);
  if (datatype === "BYTES") {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const items: Uint8Array[] = [];
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (offset + 4 > bytes.byteLength) {
        throw invalidArgument(`incomplete string length for inference input '${name}'`);
      }
      const length = view.getUint32(offset, true);
      offset += 4;
      if (offset + length > bytes.byteLength) {
        throw invalidArgument(
          `incomplete string data for inference input '${name}', expecting string of length ${length} but only ${bytes.byteLength - offset} bytes available`,
        );
      }
      items.push(bytes.subarray(offset, offset + length));
      offset += length;
    }
    if (items.length !== count) {
      throw invalidArgument(
        `unexpected number of string elements ${items.length} for inference input '${name}', expecting ${count}`,
      );
    }
    return items;
  }
  const size = ELEMENT_SIZE[datatype];
  if (bytes.byteLength !== count * size) {
    throw invalidArgument(
      `unexpected total byte size ${bytes.byteLength} for input '${name}', expecting ${count * size}`,
    );
  }
  const copy = bytes.slice();
  if (!LITTLE_ENDIAN_HOST && size > 1) byteSwap(copy, size);
  return allocate(datatype, copy.buffer);
}

function flatten(data: unknown[], out: unknown[]): void {
  for (const item of data) {
    if (Array.isArray(item)) flatten(item, out);
    else out.push(item);
  }
}

const INTEGER_RANGE: Partial<Record<NumericDatatype, [number, number]>> = {
  UINT8: [0, 0xff],
  INT8: [-0x80, 0x7f],
  UINT16: [0, 0xffff],
  INT16: [-0x8000, 0x7fff],
  UINT32: [0, 0xffffffff],
  INT32: [-0x80000000, 0x7fffffff],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Decodes the JSON `data` of an input (flat or nested), checking element types and count. */
export function tensorDataFromJson(
  datatype: Datatype,
  data: unknown,
  shape: readonly number[],
  name: string,
): TensorData {
  if (!Array.isArray(data)) {
    throw invalidArgument(`expected 'data' of inference input '${name}' to be an array`);
  }
  const flat: unknown[] = [];
  flatten(data, flat);
  const count = elementCount(shape);
  if (flat.length !== count) {
    throw invalidArgument(
      `unexpected number of elements ${flat.length} for inference input '${name}', expecting ${count} for shape [${shape.join(",")}]`,
    );
  }
  const bad = (value: unknown): never => {
    throw invalidArgument(
      `unable to parse 'data' of inference input '${name}': expected ${datatype} element, got ${JSON.stringify(value) ?? typeof value}`,
    );
  };
  if (datatype === "BYTES") {
    return flat.map((v) => (typeof v === "string" ? textEncoder.encode(v) : bad(v)));
  }
  const out = allocate(datatype, new ArrayBuffer(count * ELEMENT_SIZE[datatype]));
  if (datatype === "BOOL") {
    const bools = out as Uint8Array;
    flat.forEach((v, i) => {
      bools[i] = typeof v === "boolean" ? (v ? 1 : 0) : bad(v);
    });
    return bools;
  }
  if (datatype === "FP32" || datatype === "FP64") {
    const floats = out as Float32Array | Float64Array;
    flat.forEach((v, i) => {
      floats[i] = typeof v === "number" ? v : bad(v);
    });
    return floats;
  }
  const [min, max] = INTEGER_RANGE[datatype] ?? [0, 0];
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    flat.forEach((v, i) => {
      out[i] = typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? BigInt(v) : bad(v);
    });
    return out;
  }
  const ints = out as Exclude<typeof out, BigInt64Array | BigUint64Array>;
  flat.forEach((v, i) => {
    ints[i] = typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : bad(v);
  });
  return ints;
}

/** JSON form of tensor data (flat): BYTES as UTF-8 strings, BOOL as booleans, 64-bit integers as numbers. */
export function tensorDataToJson(datatype: Datatype, data: TensorData): unknown[] {
  if (datatype === "BYTES") {
    const decoder = new TextDecoder();
    return (data as Uint8Array[]).map((b) => decoder.decode(b));
  }
  if (datatype === "BOOL") return Array.from(data as Uint8Array, (v) => v !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as ArrayLike<number>);
}
