/**
 * KServe v2 tensor codec: JSON tensor data and Triton's binary tensor extension
 * (`Inference-Header-Content-Length`; `binary_data`, `binary_data_output`, `binary_data_size` parameters;
 * little-endian row-major; BYTES elements as a 4-byte little-endian length followed by the bytes).
 * Web-standard only.
 */
import { invalidArgument } from "./errors.js";
import { parseTritonJson, stringifyTritonJson } from "./triton-json.js";
import {
  DATATYPES,
  INFERENCE_HEADER_CONTENT_LENGTH,
  type Datatype,
  type InferInputTensor,
  type InferOutputTensor,
  type InferRequest,
  type InferRequestedOutput,
  type InferResponse,
  type Parameters,
  type Tensor,
  type TensorData,
} from "./types.js";

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

/** Bytes per element, undefined for BYTES (variable length). */
export function elementSize(datatype: Datatype): number | undefined {
  return datatype === "BYTES" ? undefined : ELEMENT_SIZE[datatype];
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

/** Parses the Inference-Header-Content-Length header: null when absent, else a non-negative integer. */
export function parseHeaderLength(headers: Headers, bodyLength: number): number | null {
  const raw = headers.get(INFERENCE_HEADER_CONTENT_LENGTH);
  if (raw === null) return null;
  const length = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(length) || length > bodyLength) {
    throw invalidArgument(
      `invalid ${INFERENCE_HEADER_CONTENT_LENGTH} '${raw}' for a body of ${bodyLength} bytes`,
    );
  }
  return length;
}

/** A message body and the headers that must go with it. */
export interface EncodedMessage {
  body: Uint8Array;
  headers: Record<string, string>;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function message(header: unknown, binary: Uint8Array[]): EncodedMessage {
  const json = textEncoder.encode(stringifyTritonJson(header));
  if (binary.length === 0) {
    return { body: json, headers: { "content-type": "application/json" } };
  }
  return {
    body: concat([json, ...binary]),
    headers: {
      "content-type": "application/octet-stream",
      [INFERENCE_HEADER_CONTENT_LENGTH.toLowerCase()]: String(json.byteLength),
    },
  };
}

function parseJsonHeader(body: Uint8Array, headerLength: number | null): unknown {
  const jsonBytes = headerLength === null ? body : body.subarray(0, headerLength);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(jsonBytes);
  } catch {
    throw invalidArgument("failed to parse the request JSON buffer: invalid UTF-8");
  }
  try {
    return parseTritonJson(text);
  } catch (err) {
    throw invalidArgument(`failed to parse the request JSON buffer: ${(err as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkParameters(value: unknown, where: string): Parameters | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw invalidArgument(`'parameters' of ${where} must be an object`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw invalidArgument(`parameter '${k}' of ${where} must be a string, number or boolean`);
    }
  }
  return value as Parameters;
}

interface TensorHeader {
  name: string;
  datatype: Datatype;
  shape: number[];
  parameters?: Parameters;
  data?: unknown;
}

function checkTensorHeader(value: unknown, kind: "input" | "output"): TensorHeader {
  if (!isRecord(value)) throw invalidArgument(`each ${kind} must be an object`);
  const { name, datatype, shape } = value;
  if (typeof name !== "string" || name === "") throw invalidArgument(`${kind} 'name' must be a non-empty string`);
  if (!isDatatype(datatype)) {
    throw invalidArgument(`invalid datatype ${JSON.stringify(datatype) ?? "undefined"} for ${kind} '${name}'`);
  }
  if (!isValidShape(shape)) throw invalidArgument(`invalid shape for ${kind} '${name}'`);
  const parameters = checkParameters(value.parameters, `${kind} '${name}'`);
  return { name, datatype, shape, data: value.data, ...(parameters ? { parameters } : {}) };
}

/** Reads the tensors of a message: JSON data, or the next `binary_data_size` bytes of the binary section. */
function readTensors(
  headers: TensorHeader[],
  body: Uint8Array,
  headerLength: number | null,
  kind: "input" | "output",
): Tensor[] {
  let offset = headerLength ?? body.byteLength;
  const tensors = headers.map((h): Tensor => {
    const size = h.parameters?.binary_data_size;
    if (size !== undefined) {
      if (h.data !== undefined) {
        throw invalidArgument(`${kind} '${h.name}' has both 'data' and 'binary_data_size'`);
      }
      if (headerLength === null) {
        throw invalidArgument(
          `${kind} '${h.name}' has 'binary_data_size' but the request has no ${INFERENCE_HEADER_CONTENT_LENGTH} header`,
        );
      }
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
        throw invalidArgument(`invalid 'binary_data_size' for ${kind} '${h.name}'`);
      }
      if (offset + size > body.byteLength) {
        throw invalidArgument(
          `unexpected size for ${kind} '${h.name}', expecting ${size} additional bytes but only ${body.byteLength - offset} remain`,
        );
      }
      const data = tensorDataFromBytes(h.datatype, body.subarray(offset, offset + size), h.shape, h.name);
      offset += size;
      return { name: h.name, datatype: h.datatype, shape: h.shape, data, ...(h.parameters ? { parameters: h.parameters } : {}) };
    }
    if (h.data === undefined) {
      throw invalidArgument(`${kind} '${h.name}' has neither 'data' nor 'binary_data_size'`);
    }
    const data = tensorDataFromJson(h.datatype, h.data, h.shape, h.name);
    return { name: h.name, datatype: h.datatype, shape: h.shape, data, ...(h.parameters ? { parameters: h.parameters } : {}) };
  });
  if (offset !== body.byteLength) {
    throw invalidArgument(
      `unexpected additional ${body.byteLength - offset} bytes in the binary section of the ${kind === "input" ? "request" : "response"}`,
    );
  }
  return tensors;
}

export interface DecodedInferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: Tensor[];
  outputs?: InferRequestedOutput[];
}

/** Decodes an infer request body (pure JSON when headerLength is null). */
export function decodeInferRequest(body: Uint8Array, headerLength: number | null): DecodedInferRequest {
  const header = parseJsonHeader(body, headerLength);
  if (!isRecord(header)) throw invalidArgument("the request body must be a JSON object");
  if (header.id !== undefined && typeof header.id !== "string") throw invalidArgument("'id' must be a string");
  const parameters = checkParameters(header.parameters, "the request");
  if (!Array.isArray(header.inputs)) throw invalidArgument("the request must have an 'inputs' array");
  const inputs = readTensors(
    header.inputs.map((i) => checkTensorHeader(i, "input")),
    body,
    headerLength,
    "input",
  );
  let outputs: InferRequestedOutput[] | undefined;
  if (header.outputs !== undefined) {
    if (!Array.isArray(header.outputs)) throw invalidArgument("'outputs' must be an array");
    outputs = header.outputs.map((o) => {
      if (!isRecord(o) || typeof o.name !== "string") throw invalidArgument("each requested output needs a 'name'");
      const p = checkParameters(o.parameters, `output '${o.name}'`);
      return { name: o.name, ...(p ? { parameters: p } : {}) };
    });
  }
  return {
    ...(header.id !== undefined ? { id: header.id } : {}),
    ...(parameters ? { parameters } : {}),
    inputs,
    ...(outputs ? { outputs } : {}),
  };
}

export interface EncodeRequestOptions {
  /** Send input tensors in the binary section (default true). */
  binaryInputs?: boolean;
  /** Ask for all outputs in binary (`binary_data_output`); per-output `binary_data` parameters still apply. */
  binaryOutputs?: boolean;
}

/** Encodes an infer request (client side). */
export function encodeInferRequest(
  request: { id?: string; parameters?: Parameters; inputs: Tensor[]; outputs?: InferRequestedOutput[] },
  options: EncodeRequestOptions = {},
): EncodedMessage {
  const binaryInputs = options.binaryInputs ?? true;
  const binary: Uint8Array[] = [];
  const inputs: InferInputTensor[] = request.inputs.map((t) => {
    if (binaryInputs) {
      const bytes = tensorDataToBytes(t.datatype, t.data);
      binary.push(bytes);
      return {
        name: t.name,
        shape: t.shape,
        datatype: t.datatype,
        parameters: { ...t.parameters, binary_data_size: bytes.byteLength },
      };
    }
    return {
      name: t.name,
      shape: t.shape,
      datatype: t.datatype,
      ...(t.parameters ? { parameters: t.parameters } : {}),
      data: tensorDataToJson(t.datatype, t.data),
    };
  });
  const parameters: Parameters = { ...request.parameters };
  if (options.binaryOutputs !== undefined) parameters.binary_data_output = options.binaryOutputs;
  const header: InferRequest = {
    ...(request.id !== undefined ? { id: request.id } : {}),
    ...(Object.keys(parameters).length ? { parameters } : {}),
    inputs,
    ...(request.outputs ? { outputs: request.outputs } : {}),
  };
  return message(header, binary);
}

/** Which outputs a request wants in binary: per-output `binary_data`, else the request's `binary_data_output`. */
export function binaryOutputNames(
  request: { parameters?: Parameters; outputs?: InferRequestedOutput[] },
  allOutputs: readonly string[],
): Set<string> {
  const all = request.parameters?.binary_data_output === true;
  const names = new Set<string>();
  for (const name of allOutputs) {
    const requested = request.outputs?.find((o) => o.name === name);
    const flag = requested?.parameters?.binary_data;
    if (flag === true || (flag === undefined && all)) names.add(name);
  }
  return names;
}

/** Encodes an infer response (server side); outputs named in `binaryOutputs` go in the binary section. */
export function encodeInferResponse(
  response: { model_name: string; model_version?: string; id?: string; parameters?: Parameters; outputs: Tensor[] },
  binaryOutputs: ReadonlySet<string>,
): EncodedMessage {
  const binary: Uint8Array[] = [];
  const outputs: InferOutputTensor[] = response.outputs.map((t) => {
    if (binaryOutputs.has(t.name)) {
      const bytes = tensorDataToBytes(t.datatype, t.data);
      binary.push(bytes);
      return {
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        parameters: { ...t.parameters, binary_data_size: bytes.byteLength },
      };
    }
    return {
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(t.parameters ? { parameters: t.parameters } : {}),
      data: tensorDataToJson(t.datatype, t.data),
    };
  });
  const header: InferResponse = {
    model_name: response.model_name,
    ...(response.model_version !== undefined ? { model_version: response.model_version } : {}),
    ...(response.id !== undefined ? { id: response.id } : {}),
    ...(response.parameters ? { parameters: response.parameters } : {}),
    outputs,
  };
  return message(header, binary);
}

export interface DecodedInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: Tensor[];
}

/** Decodes an infer response body (client side). */
export function decodeInferResponse(body: Uint8Array, headerLength: number | null): DecodedInferResponse {
  const header = parseJsonHeader(body, headerLength);
  if (!isRecord(header) || typeof header.model_name !== "string" || !Array.isArray(header.outputs)) {
    throw invalidArgument("malformed infer response: expected 'model_name' and 'outputs'");
  }
  const outputs = readTensors(
    header.outputs.map((o) => checkTensorHeader(o, "output")),
    body,
    headerLength,
    "output",
  );
  return {
    model_name: header.model_name,
    ...(typeof header.model_version === "string" ? { model_version: header.model_version } : {}),
    ...(typeof header.id === "string" ? { id: header.id } : {}),
    ...(isRecord(header.parameters) ? { parameters: header.parameters as Parameters } : {}),
    outputs,
  };
}
