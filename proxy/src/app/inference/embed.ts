/** `embed` models: TEXT [n,1] BYTES → EMBEDDING [n,d] FP32 (triton-models/README.md). */
import { EMBED_TENSORS } from "@gpu-bridge/contract/model-contract";
import { UpstreamError, type Inference } from "@gpu-bridge/kserve/inference";
import { inRowBatches } from "./batches.js";
import { checkEmbeddings, embedResponseBytes } from "./expected-output.js";
import { textTensor } from "./tensors.js";

export interface Embeddings {
  /** Row-major `[rows, dimensions]` float32 values. */
  data: Float32Array;
  rows: number;
  dimensions: number;
}

export interface EmbedOptions {
  binary: boolean;
  signal?: AbortSignal;
  /** The model's max_batch_size: more texts go in several calls. */
  maxBatchSize?: number;
}

export async function embedTexts(
  client: Inference,
  model: string,
  texts: string[],
  options: EmbedOptions,
): Promise<Embeddings> {
  const parts = await inRowBatches(texts.length, options.maxBatchSize ?? 0, (start, end) =>
    embedBatch(client, model, texts.slice(start, end), options),
  );
  if (parts.length === 1) return parts[0] as Embeddings;
  const dimensions = (parts[0] as Embeddings).dimensions;
  if (parts.some((p) => p.dimensions !== dimensions)) {
    throw new UpstreamError("bad_response", `${EMBED_TENSORS.embedding} dimensions differ between calls`);
  }
  const data = new Float32Array(texts.length * dimensions);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { data, rows: texts.length, dimensions };
}

async function embedBatch(client: Inference, model: string, texts: string[], options: EmbedOptions): Promise<Embeddings> {
  const outputs = await client.infer(model, [textTensor(EMBED_TENSORS.text, texts, texts.length, 1)], {
    outputs: [EMBED_TENSORS.embedding],
    binary: options.binary,
    maxResponseBytes: embedResponseBytes(texts.length, options.binary),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const tensor = outputs.get(EMBED_TENSORS.embedding);
  const rows = texts.length;
  if (!tensor || tensor.datatype !== "FP32" || tensor.shape.length !== 2 || tensor.shape[0] !== rows) {
    throw new UpstreamError("bad_response", `${EMBED_TENSORS.embedding} is not FP32 [${rows}, d]`);
  }
  const data = tensor.data as Float32Array;
  const dimensions = tensor.shape[1] as number;
  checkEmbeddings(data, rows, dimensions);
  return { data, rows, dimensions };
}

/** Row `i` as a plain array (what JSON responses carry). */
export function row(embeddings: Embeddings, i: number): number[] {
  const { data, dimensions } = embeddings;
  return Array.from(data.subarray(i * dimensions, (i + 1) * dimensions));
}

/** Row `i` as base64 little-endian float32 bytes (OpenAI's `encoding_format: "base64"`). */
export function rowBase64(embeddings: Embeddings, i: number): string {
  const { data, dimensions } = embeddings;
  const slice = data.slice(i * dimensions, (i + 1) * dimensions);
  const view = new DataView(slice.buffer);
  for (let j = 0; j < dimensions; j++) view.setFloat32(j * 4, slice[j] as number, true);
  const bytes = new Uint8Array(slice.buffer);
  let binary = "";
  for (let j = 0; j < bytes.length; j += 0x8000) binary += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
  return btoa(binary);
}
