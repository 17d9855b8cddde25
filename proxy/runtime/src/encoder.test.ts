/**
 * The encoder's batching across calls, on the committed tiny BERT: calls made together share onnxruntime runs, and
 * each gets what it gets alone (padding is masked); a cancelled call's rows leave the shared run, a failing call
 * fails alone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ENCODER_TENSORS } from "@gpu-bridge/contract/model-contract";
import { cancellable } from "./cancellation.js";
import { OnnxEncoder, type EncodedSequence, type EncoderOutputName } from "./encoder.js";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";

const OUTPUTS: EncoderOutputName[] = [ENCODER_TENSORS.tokenEmbeddings, ENCODER_TENSORS.sentenceEmbedding];
const PAD = 0;

/** Token ids of `length` (CLS ... SEP as a tokenizer gives them, within the vocabulary of 1538), varied by `seed`. */
const sequence = (length: number, seed: number) =>
  Array.from({ length }, (_, t) => (t === 0 ? 101 : t === length - 1 ? 102 : 1000 + ((seed * 131 + t * 17) % 500)));

/** Three calls of sequences of different lengths, as three requests would make them (9-10 tokens in all three). */
const CALLS = [
  [sequence(9, 1)],
  [sequence(17, 2), sequence(10, 3), sequence(40, 4)],
  [sequence(9, 5), sequence(9, 6)],
];

let encoder: OnnxEncoder;
let alone: EncodedSequence[][];
/** onnxruntime runs made for the calls one at a time. */
let runsAlone = 0;

beforeAll(async () => {
  encoder = await OnnxEncoder.load(`${FIXTURE_REPOSITORY}/tiny-bert/1/model.onnx`, { intraOpThreads: 1 });
  alone = [];
  // one call at a time: no call shares a run with another
  for (const call of CALLS) {
    const { result, rows } = await runsOf(() => encoder.encode(call, OUTPUTS, PAD));
    alone.push(result);
    runsAlone += rows.length;
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await encoder?.close();
});

function expectClose(actual: Float32Array | undefined, expected: Float32Array | undefined, what: string) {
  expect(actual?.length, what).toBe(expected?.length);
  const worst = Array.from(actual as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - (expected as Float32Array)[i]!)), 0);
  expect(worst, what).toBeLessThanOrEqual(1e-6);
}

function expectAsAlone(results: EncodedSequence[], call: number) {
  results.forEach((result, i) => {
    const expected = alone[call]?.[i];
    expectClose(result.tokenEmbeddings, expected?.tokenEmbeddings, `call ${call} sequence ${i} tokens`);
    expectClose(result.sentenceEmbedding, expected?.sentenceEmbedding, `call ${call} sequence ${i} sentence`);
  });
}

/** The batch sizes of the onnxruntime runs made while `work` runs. */
async function runsOf<T>(work: () => Promise<T>): Promise<{ result: T; rows: number[] }> {
  const run = vi.spyOn(encoder.session, "run");
  try {
    const result = await work();
    const rows = run.mock.calls.map(([feeds]) => (feeds as Record<string, { dims: readonly number[] }>)[ENCODER_TENSORS.inputIds]?.dims[0] as number);
    return { result, rows };
  } finally {
    run.mockRestore();
  }
}

describe("encoder batching across calls", () => {
  it("runs calls made together in shared runs, each call's numbers those it gets alone (within 1e-6)", async () => {
    const { result, rows } = await runsOf(() => Promise.all(CALLS.map((call) => encoder.encode(call, OUTPUTS, PAD))));
    result.forEach(expectAsAlone);
    // 6 sequences from 3 calls, fewer runs than alone: the sequences of 9 and 10 tokens of all three ran together
    expect(rows.reduce((a, b) => a + b, 0)).toBe(6);
    expect(rows.length).toBeLessThan(runsAlone);
    expect(Math.max(...rows)).toBe(4);
  });

  it("leaves a call cancelled before the run out of it, and answers the others as alone", async () => {
    const controllers = CALLS.map(() => new AbortController());
    const { result, rows } = await runsOf(() => {
      const calls = CALLS.map((call, c) =>
        cancellable((controllers[c] as AbortController).signal, () => encoder.encode(call, OUTPUTS, PAD)).then(
          (r) => r,
          (err: unknown) => err,
        ),
      );
      controllers[1]?.abort(new Error("caller gone"));
      return Promise.all(calls);
    });
    expect(result[1]).toMatchObject({ message: "caller gone" });
    expectAsAlone(result[0] as EncodedSequence[], 0);
    expectAsAlone(result[2] as EncodedSequence[], 2);
    // only the rows of calls 0 and 2 were run
    expect(rows.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("fails a call whose run fails on its own, and answers the others of its batch as alone", async () => {
    const bad = [[101, 2 ** 40, 102]]; // a token id far past the vocabulary: onnxruntime's Gather refuses it
    const calls = [CALLS[0], bad, CALLS[2]].map((call) => encoder.encode(call as number[][], OUTPUTS, PAD).then((r) => r, (err: unknown) => err));
    const [first, failed, last] = await Promise.all(calls);
    expect(failed).toBeInstanceOf(Error);
    expectAsAlone(first as EncodedSequence[], 0);
    expectAsAlone(last as EncodedSequence[], 2);
  });
});
