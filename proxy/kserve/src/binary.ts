/**
 * KServe v2 inference messages, requests and responses, with JSON tensor data or Triton's binary tensor extension
 * (`Inference-Header-Content-Length`; `binary_data`, `binary_data_output`, `binary_data_size` parameters); one
 * tensor's data is tensor-data.ts. Web-standard only.
 */
import { invalidArgument } from "./errors.js";
import { parseTritonJson, stringifyTritonJson } from "./triton-json.js";
import { concatBytes } from "@gpu-bridge/bytes/bytes";
import { isDatatype, isValidShape, tensorDataFromBytes, tensorDataFromJson, tensorDataToBytes, tensorDataToJson } from "./tensor-data.js";
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  type Datatype,
  type InferOutputTensor,
  type InferRequest,
  type InferRequestedOutput,
  type InferResponse,
  type Parameters,
  type Tensor,
} from "./types.js";

const textEncoder = new TextEncoder();

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

function message(header: unknown, binary: Uint8Array[]): EncodedMessage {
  const json = textEncoder.encode(stringifyTritonJson(header));
  if (binary.length === 0) {
    return { body: json, headers: { "content-type": "application/json" } };
  }
  return {
    body: concatBytes([json, ...binary]),
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

/**
 * A tensor as a message's header lists it: its data in the header as JSON, or, given the message's `binary`
 * section, appended there with its `binary_data_size`.
 */
function tensorHeader(t: Tensor, binary: Uint8Array[] | undefined): InferOutputTensor {
  if (binary) {
    const bytes = tensorDataToBytes(t.datatype, t.data);
    binary.push(bytes);
    return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { ...t.parameters, binary_data_size: bytes.byteLength } };
  }
  return {
    name: t.name,
    datatype: t.datatype,
    shape: t.shape,
    ...(t.parameters ? { parameters: t.parameters } : {}),
    data: tensorDataToJson(t.datatype, t.data),
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
  const inputs = request.inputs.map((t) => tensorHeader(t, binaryInputs ? binary : undefined));
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
  const outputs = response.outputs.map((t) => tensorHeader(t, binaryOutputs.has(t.name) ? binary : undefined));
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
