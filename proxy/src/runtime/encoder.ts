/**
 * An ONNX encoder of the repository (input_ids, attention_mask -> token_embeddings[, sentence_embedding]) run by
 * onnxruntime-node, with length-sorted padding-aware batching.
 */
import ort from "onnxruntime-node";
import { ENCODER_TENSORS } from "@gpu-bridge/contract/model-contract";
import { DEFAULT_BATCH_LIMITS, lengthSortedBatches, type BatchLimits } from "./batching.js";
import { beforeEncoderRun } from "./cancellation.js";

export type ExecutionProvider = "cpu" | "cuda";

export interface SessionOptions {
  executionProvider?: ExecutionProvider;
  /** Threads of one operator; 0 lets onnxruntime choose. */
  intraOpThreads?: number;
}

export interface EncodedSequence {
  /** Row-major [length, hiddenSize]. */
  tokenEmbeddings?: Float32Array;
  /** [hiddenSize]. */
  sentenceEmbedding?: Float32Array;
}

export type EncoderOutputName = typeof ENCODER_TENSORS.tokenEmbeddings | typeof ENCODER_TENSORS.sentenceEmbedding;

export class OnnxEncoder {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
  ) {}

  /** Creates the session once; asked for CUDA where this onnxruntime build or machine has none, falls back to CPU. */
  static async load(modelPath: string, options: SessionOptions & { log?: (m: string) => void } = {}): Promise<OnnxEncoder> {
    const create = (provider: ExecutionProvider) =>
      ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        graphOptimizationLevel: "all",
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
        // Threads waiting for work sleep instead of spinning, which takes the cores from the proxy's own thread and
        // from other processes: on 2 shared, busy cores, 2 intra-op threads gave half the one-text throughput of 1
        // thread when spinning and 1.3x more when sleeping; on the same cores idle, spinning gained nothing.
        extra: { session: { intra_op: { allow_spinning: "0" } } },
      });
    if (options.executionProvider === "cuda") {
      try {
        return new OnnxEncoder(await create("cuda"), "cuda");
      } catch (err) {
        (options.log ?? console.warn)(`[runtime] CUDA execution provider unavailable (${(err as Error).message}); using CPU`);
      }
    }
    return new OnnxEncoder(await create("cpu"), "cpu");
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  hasOutput(name: string): boolean {
    return this.session.outputNames.includes(name);
  }

  /** One padded batch as the model takes it: [batch, length] int64 tensors. */
  async runPadded(
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    dims: [number, number],
    outputs: readonly string[],
  ): Promise<Record<string, ort.Tensor>> {
    await beforeEncoderRun();
    const feeds = {
      [ENCODER_TENSORS.inputIds]: new ort.Tensor("int64", inputIds, dims),
      [ENCODER_TENSORS.attentionMask]: new ort.Tensor("int64", attentionMask, dims),
    };
    const result = await this.session.run(feeds, outputs as string[]);
    return result as Record<string, ort.Tensor>;
  }

  /** Encodes sequences of token ids; the result for each sequence does not depend on how it was batched. */
  async encode(
    sequences: readonly number[][],
    outputs: readonly EncoderOutputName[],
    padId: number,
    limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ): Promise<EncodedSequence[]> {
    const results: EncodedSequence[] = sequences.map(() => ({}));
    for (const batch of lengthSortedBatches(
      sequences.map((s) => s.length),
      limits,
    )) {
      const length = Math.max(...batch.map((i) => (sequences[i] as number[]).length));
      const ids = new BigInt64Array(batch.length * length).fill(BigInt(padId));
      const mask = new BigInt64Array(batch.length * length);
      batch.forEach((seqIndex, row) => {
        const seq = sequences[seqIndex] as number[];
        for (let t = 0; t < seq.length; t++) {
          ids[row * length + t] = BigInt(seq[t] as number);
          mask[row * length + t] = 1n;
        }
      });
      const out = await this.runPadded(ids, mask, [batch.length, length], outputs);
      const tokens = out[ENCODER_TENSORS.tokenEmbeddings];
      const sentence = out[ENCODER_TENSORS.sentenceEmbedding];
      batch.forEach((seqIndex, row) => {
        const seqLength = (sequences[seqIndex] as number[]).length;
        const result = results[seqIndex] as EncodedSequence;
        if (tokens) {
          const data = tokens.data as Float32Array;
          const hidden = tokens.dims[2] as number;
          const start = row * length * hidden;
          result.tokenEmbeddings = data.slice(start, start + seqLength * hidden);
        }
        if (sentence) {
          const data = sentence.data as Float32Array;
          const hidden = sentence.dims[1] as number;
          result.sentenceEmbedding = data.slice(row * hidden, (row + 1) * hidden);
        }
      });
      for (const t of Object.values(out)) t.dispose();
    }
    return results;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
