/** A small KServe v2 client over a fetch function, built on the protocol codec, for the runtime's tests. */
import { readFileSync } from "node:fs";
import { decodeInferResponse, encodeInferRequest, parseHeaderLength } from "@gpu-bridge/kserve/binary";
import { errorFromResponse } from "@gpu-bridge/kserve/errors";
import type { Parameters, Tensor } from "@gpu-bridge/kserve/types";
import { FIXTURES } from "./fixtures.js";

export type FetchFn = (request: Request) => Promise<Response>;

/** A committed golden file (test/fixtures/goldens/<name>.json), written by the reference packages. */
export const golden = <T>(name: string): T => JSON.parse(readFileSync(new URL(`goldens/${name}.json`, FIXTURES), "utf8")) as T;

/** goldens/embed.json: sentence-transformers' token ids and embeddings of the tiny-bert embed model. */
export interface EmbedGoldens {
  max_length: number;
  cases: { text: string; input_ids: number[]; embedding: number[] }[];
}

const enc = new TextEncoder();

export function bytes(name: string, texts: string[], shape: number[] = [texts.length, 1]): Tensor {
  return { name, datatype: "BYTES", shape, data: texts.map((t) => enc.encode(t)) };
}

/** CANDIDATE / REFERENCE (padded with "") / REFERENCE_COUNT tensors for candidates and their references. */
export function bertScoreInputs(cands: string[], refs: string[][]): Tensor[] {
  const width = Math.max(...refs.map((r) => r.length));
  return [
    bytes("CANDIDATE", cands),
    bytes("REFERENCE", refs.flatMap((r) => [...r, ...Array<string>(width - r.length).fill("")]), [cands.length, width]),
    { name: "REFERENCE_COUNT", datatype: "INT32", shape: [cands.length, 1], data: new Int32Array(refs.map((r) => r.length)) },
  ];
}

export async function infer(
  fetchFn: FetchFn,
  baseUrl: string,
  model: string,
  inputs: Tensor[],
  options: { binary: boolean; parameters?: Parameters },
): Promise<Map<string, Tensor>> {
  const { body, headers } = encodeInferRequest(
    { inputs, ...(options.parameters ? { parameters: options.parameters } : {}) },
    { binaryInputs: options.binary, binaryOutputs: options.binary },
  );
  const res = await fetchFn(new Request(`${baseUrl}/v2/models/${model}/infer`, { method: "POST", body, headers }));
  if (!res.ok) throw await errorFromResponse(res);
  const raw = new Uint8Array(await res.arrayBuffer());
  const decoded = decodeInferResponse(raw, parseHeaderLength(res.headers, raw.byteLength));
  return new Map(decoded.outputs.map((t) => [t.name, t]));
}

export function floats(t: Tensor | undefined): number[] {
  if (!t) throw new Error("missing output");
  return Array.from(t.data as Float32Array);
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
}
