/**
 * The model contract of triton-models/README.md as requests (test/contract/cases.json), for the suites that hold a
 * KServe v2 server to it: the embedded runtime and the real Triton (the Python suites send the same cases over gRPC
 * and through the pb_utils harness). `cases`: the Errors table; `same_outputs`: spellings of one request that must
 * all give the same outputs.
 */
import document from "../contract/cases.json" with { type: "json" };
import { decodeInferResponse, encodeInferRequest, parseHeaderLength } from "@gpu-bridge/kserve/binary";
import { elementCount } from "@gpu-bridge/kserve/tensor-data";
import type { Parameters, Tensor } from "@gpu-bridge/kserve/types";

/** Which served model a case goes to: the embed model, a bertscore model without a rescale baseline, one that failed to load. */
export type ErrorCaseRole = "embed" | "bertscore" | "unavailable";
/** The role of the `same_outputs` cases: a bertscore model with an `en` rescale baseline. */
export const SAME_OUTPUTS_ROLE = "bertscore_rescaled";

export interface ErrorCase {
  when: string;
  /** A role, or a model name used as is (one the server does not know). */
  model: string;
  inputs: Tensor[];
  outputs: string[];
  parameters: Parameters | undefined;
  status: number;
  grpc: string;
  /** Who refuses the request on a real Triton: its core, before the model runs, or the model. */
  by: "Triton" | "model";
  /** What the error message contains. */
  message: string;
  /** Whether JSON tensors can carry the inputs (raw bytes that are not UTF-8 cannot). */
  json: boolean;
}

interface CaseInput {
  name: string;
  datatype: "BYTES" | "INT32";
  shape: number[];
  data?: (string | number | { hex: string })[];
  repeat?: string;
}

const encoder = new TextEncoder();

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function tensor(input: CaseInput): Tensor {
  const data = input.repeat !== undefined ? Array<string>(elementCount(input.shape)).fill(input.repeat) : (input.data ?? []);
  if (input.datatype === "INT32") return { name: input.name, datatype: "INT32", shape: input.shape, data: Int32Array.from(data as number[]) };
  const elements = data.map((d) => (typeof d === "object" ? hexBytes(d.hex) : encoder.encode(String(d))));
  return { name: input.name, datatype: "BYTES", shape: input.shape, data: elements };
}

export const ERROR_CASES: readonly ErrorCase[] = document.cases.map((c) => {
  const inputs = c.inputs as CaseInput[];
  return {
    when: c.when,
    model: c.model,
    inputs: inputs.map(tensor),
    outputs: (c as { outputs?: string[] }).outputs ?? [],
    parameters: (c as { parameters?: Parameters }).parameters,
    status: c.status,
    grpc: c.grpc,
    by: c.by as ErrorCase["by"],
    message: c.message,
    json: !inputs.some((i) => i.data?.some((d) => typeof d === "object")),
  };
});

/** Sends a case to a KServe v2 server; its HTTP status and error message. */
export async function sendErrorCase(
  fetchFn: (request: Request) => Promise<Response>,
  baseUrl: string,
  models: Record<ErrorCaseRole, string>,
  errorCase: ErrorCase,
  binary: boolean,
): Promise<{ status: number; error: string }> {
  const { body, headers } = encodeInferRequest(
    {
      inputs: errorCase.inputs,
      ...(errorCase.outputs.length ? { outputs: errorCase.outputs.map((name) => ({ name })) } : {}),
      ...(errorCase.parameters ? { parameters: errorCase.parameters } : {}),
    },
    { binaryInputs: binary },
  );
  const model = models[errorCase.model as ErrorCaseRole] ?? errorCase.model;
  const res = await fetchFn(new Request(`${baseUrl}/v2/models/${encodeURIComponent(model)}/infer`, { method: "POST", body, headers }));
  const text = await res.text();
  let error = text;
  try {
    error = String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    // not JSON: the text itself
  }
  return { status: res.status, error };
}

export interface SameOutputsCase {
  when: string;
  inputs: Tensor[];
  outputs: string[];
  spellings: Parameters[];
  /** Outputs every spelling must give, BYTES elements as strings. */
  expect: Record<string, string[]>;
}

export const SAME_OUTPUTS_CASES: readonly SameOutputsCase[] = document.same_outputs.map((c) => ({
  when: c.when,
  inputs: (c.inputs as CaseInput[]).map(tensor),
  outputs: c.outputs,
  spellings: c.spellings as Parameters[],
  expect: c.expect as Record<string, string[]>,
}));

/**
 * Sends each spelling of a case to `model`; the outputs of each as JSON-comparable values (numbers, and BYTES as
 * strings), or throws with the status and body of a refusal.
 */
export async function sendSameOutputsCase(
  fetchFn: (request: Request) => Promise<Response>,
  baseUrl: string,
  model: string,
  sameCase: SameOutputsCase,
): Promise<Record<string, unknown[]>[]> {
  const decoder = new TextDecoder();
  const answers: Record<string, unknown[]>[] = [];
  for (const parameters of sameCase.spellings) {
    const { body, headers } = encodeInferRequest(
      { inputs: sameCase.inputs, outputs: sameCase.outputs.map((name) => ({ name })), parameters },
      { binaryOutputs: true },
    );
    const res = await fetchFn(new Request(`${baseUrl}/v2/models/${encodeURIComponent(model)}/infer`, { method: "POST", body, headers }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${JSON.stringify(parameters)}: ${res.status} ${decoder.decode(bytes)}`);
    const { outputs } = decodeInferResponse(bytes, parseHeaderLength(res.headers, bytes.byteLength));
    answers.push(
      Object.fromEntries(
        outputs.map((t) => [t.name, Array.from(t.data as ArrayLike<unknown>, (v) => (v instanceof Uint8Array ? decoder.decode(v) : v))]),
      ),
    );
  }
  return answers;
}
