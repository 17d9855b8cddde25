/** Reading the tensors the text-in models answer with, checking dtype and size against the contract. */
import { UpstreamError } from "@gpu-bridge/kserve/inference";
import type { Datatype, Tensor, TensorData } from "@gpu-bridge/kserve/types";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function output(outputs: Map<string, Tensor>, name: string, datatype: Datatype, count: number): TensorData {
  const tensor = outputs.get(name);
  if (!tensor) throw new UpstreamError("bad_response", `missing output ${name}`);
  if (tensor.datatype !== datatype) {
    throw new UpstreamError("bad_response", `output ${name} is ${tensor.datatype}, expected ${datatype}`);
  }
  const length = tensor.data.length;
  if (length !== count) throw new UpstreamError("bad_response", `output ${name} has ${length} elements, expected ${count}`);
  return tensor.data;
}

export function floats(outputs: Map<string, Tensor>, name: string, count: number): Float32Array {
  return output(outputs, name, "FP32", count) as Float32Array;
}

export function strings(outputs: Map<string, Tensor>, name: string, count: number): string[] {
  return (output(outputs, name, "BYTES", count) as Uint8Array[]).map((b) => decoder.decode(b));
}

export function bigints(outputs: Map<string, Tensor>, name: string, count: number): number[] {
  return Array.from(output(outputs, name, "INT64", count) as BigInt64Array, Number);
}

/** A BYTES tensor of UTF-8 texts, `[rows, columns]`. */
export function textTensor(name: string, texts: string[], rows: number, columns: number): Tensor {
  return { name, datatype: "BYTES", shape: [rows, columns], data: texts.map((t) => encoder.encode(t)) };
}
