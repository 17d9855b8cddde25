/**
 * An ONNX encoder of the repository (input_ids, attention_mask -> token_embeddings[, sentence_embedding]) run by
 * onnxruntime-node, with length-sorted padding-aware batching across the calls of concurrent inferences.
 */
import ort from "onnxruntime-node";
import { ENCODER_TENSORS } from "@gpu-bridge/contract/model-contract";
import { DEFAULT_BATCH_LIMITS, lengthSortedBatches, type BatchLimits } from "./batching.js";
import { beforeEncoderRun, inferenceSignal, outsideInference } from "./cancellation.js";

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

interface EncodeCall {
  sequences: readonly number[][];
  outputs: readonly EncoderOutputName[];
  padId: number;
  limits: BatchLimits;
  /** The cancel signal of the inference that made the call. */
  signal: AbortSignal | undefined;
  resolve: (results: EncodedSequence[]) => void;
  reject: (err: unknown) => void;
}

export class OnnxEncoder {
  /** encode() calls of this turn of the event loop, run together at the next. */
  private pending: EncodeCall[] = [];

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

  /**
   * Encodes sequences of token ids; the result for each sequence does not depend on how it was batched (padding is
   * masked). Calls made in the same turn of the event loop (the requests a worker starts together) are run together:
   * their sequences length-sorted into shared sub-batches, one onnxruntime run each, the results split back per call.
   * Before each run, the rows of a call whose inference was cancelled are dropped and that call alone is rejected;
   * a run that fails is retried call by call, so that one bad call fails alone.
   */
  encode(
    sequences: readonly number[][],
    outputs: readonly EncoderOutputName[],
    padId: number,
    limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ): Promise<EncodedSequence[]> {
    return new Promise((resolve, reject) => {
      const call: EncodeCall = { sequences, outputs, padId, limits, signal: inferenceSignal(), resolve, reject };
      this.pending.push(call);
      // outside the caller's inference scope: the flush serves every call, not only this one
      if (this.pending.length === 1) outsideInference(() => setImmediate(() => void this.flush()));
    });
  }

  private async flush(): Promise<void> {
    const calls = this.pending.splice(0);
    const groups = new Map<string, EncodeCall[]>();
    for (const call of calls) {
      const key = `${call.outputs.join()}|${call.padId}|${JSON.stringify(call.limits)}`;
      groups.set(key, [...(groups.get(key) ?? []), call]);
    }
    for (const group of groups.values()) {
      try {
        await this.encodeTogether(group);
      } catch (err) {
        // a shared run failed: each call again on its own, so that the error is the failing call's alone
        if (group.length === 1) group[0]?.reject(err);
        else for (const call of group) await this.encodeTogether([call]).catch(call.reject);
      }
    }
  }

  /** Runs the calls' sequences in shared length-sorted sub-batches; settles each call; throws if a run fails. */
  private async encodeTogether(calls: EncodeCall[]): Promise<void> {
    const owners = calls.flatMap((call, c) => call.sequences.map((_, i) => [c, i] as const));
    const sequences = owners.map(([c, i]) => (calls[c] as EncodeCall).sequences[i] as number[]);
    const results = calls.map((call) => call.sequences.map((): EncodedSequence => ({})));
    const first = calls[0] as EncodeCall;
    const dropped = new Set<number>();
    const drop = (c: number) => {
      const signal = (calls[c] as EncodeCall).signal;
      if (dropped.has(c) || !signal?.aborted) return false;
      dropped.add(c);
      (calls[c] as EncodeCall).reject(signal.reason);
      return true;
    };
    for (const batch of lengthSortedBatches(
      sequences.map((s) => s.length),
      first.limits,
    )) {
      // a cancel on its way (a message to this worker) gets one turn to arrive; a cancelled call's rows are left out
      await new Promise<void>((resolve) => setImmediate(resolve));
      calls.forEach((_, c) => drop(c));
      const rows = batch.filter((index) => !dropped.has((owners[index] as readonly [number, number])[0]));
      if (rows.length === 0) continue;
      const encoded = await this.runBatch(
        rows.map((index) => sequences[index] as number[]),
        first.outputs,
        first.padId,
      );
      rows.forEach((index, row) => {
        const [c, i] = owners[index] as readonly [number, number];
        (results[c] as EncodedSequence[])[i] = encoded[row] as EncodedSequence;
      });
    }
    calls.forEach((call, c) => {
      if (!dropped.has(c)) call.resolve(results[c] as EncodedSequence[]);
    });
  }

  /** One onnxruntime run over sequences padded to the longest; each sequence's outputs unpadded. */
  private async runBatch(sequences: number[][], outputs: readonly EncoderOutputName[], padId: number): Promise<EncodedSequence[]> {
    const length = Math.max(...sequences.map((s) => s.length));
    const ids = new BigInt64Array(sequences.length * length).fill(BigInt(padId));
    const mask = new BigInt64Array(sequences.length * length);
    sequences.forEach((seq, row) => {
      for (let t = 0; t < seq.length; t++) {
        ids[row * length + t] = BigInt(seq[t] as number);
        mask[row * length + t] = 1n;
      }
    });
    const dims = [sequences.length, length];
    const feeds = {
      [ENCODER_TENSORS.inputIds]: new ort.Tensor("int64", ids, dims),
      [ENCODER_TENSORS.attentionMask]: new ort.Tensor("int64", mask, dims),
    };
    const out = (await this.session.run(feeds, outputs as string[])) as Record<string, ort.Tensor>;
    const tokens = out[ENCODER_TENSORS.tokenEmbeddings];
    const sentence = out[ENCODER_TENSORS.sentenceEmbedding];
    const results = sequences.map((seq, row): EncodedSequence => {
      const result: EncodedSequence = {};
      if (tokens) {
        const hidden = tokens.dims[2] as number;
        const start = row * length * hidden;
        result.tokenEmbeddings = (tokens.data as Float32Array).slice(start, start + seq.length * hidden);
      }
      if (sentence) {
        const hidden = sentence.dims[1] as number;
        result.sentenceEmbedding = (sentence.data as Float32Array).slice(row * hidden, (row + 1) * hidden);
      }
      return result;
    });
    for (const t of Object.values(out)) t.dispose();
    return results;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
