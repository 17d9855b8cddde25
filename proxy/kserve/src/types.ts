/**
 * KServe v2 (Open Inference Protocol) message types as Triton speaks them over HTTP.
 * Web-standard only: imported by the Workers bundle.
 */

export type Datatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP32"
  | "FP64"
  | "BYTES";

export const DATATYPES: readonly Datatype[] = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP32",
  "FP64",
  "BYTES",
];

/** Decoded tensor contents, flat in row-major order. BOOL is a Uint8Array of 0/1, BYTES a list of byte strings. */
export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | Uint8Array[];

export type ParameterValue = string | number | boolean;
export type Parameters = Record<string, ParameterValue>;

/** A tensor with decoded data, used on both sides of the codec. */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
  parameters?: Parameters;
}

/** JSON form of tensor data: flat or nested arrays; BYTES as strings, BOOL as booleans. */
export type JsonTensorData = unknown[];

export interface InferInputTensor {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data?: JsonTensorData;
}

export interface InferRequestedOutput {
  name: string;
  parameters?: Parameters;
}

export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: InferInputTensor[];
  outputs?: InferRequestedOutput[];
}

export interface InferOutputTensor {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data?: JsonTensorData;
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: InferOutputTensor[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state?: string;
  reason?: string;
}

/** Triton's JSON form of a config.pbtxt (`GET /v2/models/{m}/config`), the fields this project uses. */
export interface ModelConfigTensor {
  name: string;
  data_type: string;
  dims: string[] | number[];
}

export interface ModelConfig {
  name: string;
  platform?: string;
  backend?: string;
  max_batch_size?: number;
  input?: ModelConfigTensor[];
  output?: ModelConfigTensor[];
  parameters?: Record<string, { string_value: string }>;
  [key: string]: unknown;
}

/** Triton's error body. */
export interface ErrorBody {
  error: string;
}

/** Header giving the byte length of the JSON part of a binary tensor message. */
export const INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";
