/**
 * A model the runtime serves, and the checks Triton's core makes on a request before a model sees it.
 */
import { invalidArgument } from "@gpu-bridge/kserve/errors";
import { CONTRACT_ERRORS } from "@gpu-bridge/contract/model-contract";
import type { ModelConfig, ModelMetadata, Parameters, Tensor } from "@gpu-bridge/kserve/types";
import type { DecodedInferRequest } from "@gpu-bridge/kserve/binary";
import { elementCount } from "@gpu-bridge/kserve/tensor-data";
import { configTensors, type ConfigTensor } from "./model-config.js";

export interface RuntimeModel {
  readonly name: string;
  readonly version: string;
  readonly config: ModelConfig;
  readonly metadata: ModelMetadata;
  /**
   * Computes every output of the model for checked inputs (by name). Once `signal` (default: the inference scope's,
   * cancellation.ts) aborts, no further encoder run starts; the scope is entered only on the thread that runs the
   * model, so that a thread that only passes calls on pays no async-context hooks.
   */
  infer(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters, signal?: AbortSignal): Promise<Tensor[]>;
}

export function modelMetadata(config: ModelConfig, version: string, platform: string): ModelMetadata {
  const strip = ({ name, datatype, shape }: ConfigTensor) => ({ name, datatype, shape });
  return {
    name: config.name,
    versions: [version],
    platform,
    inputs: configTensors(config, "input").map(strip),
    outputs: configTensors(config, "output").map(strip),
  };
}

function shapeMatches(shape: readonly number[], expected: readonly number[]): boolean {
  return shape.length === expected.length && shape.every((d, i) => expected[i] === -1 || expected[i] === d);
}

const quotedList = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(",")}]`;

/** A config's declared inputs, read once per config: a model's config does not change while it is served. */
const declaredInputs = new WeakMap<ModelConfig, { declared: ConfigTensor[]; required: ConfigTensor[] }>();

function inputsOf(config: ModelConfig): { declared: ConfigTensor[]; required: ConfigTensor[] } {
  let inputs = declaredInputs.get(config);
  if (!inputs) {
    const declared = configTensors(config, "input");
    inputs = { declared, required: declared.filter((d) => !d.optional) };
    declaredInputs.set(config, inputs);
  }
  return inputs;
}

/**
 * Checks inputs against the config as Triton's core does before a model runs, in its order and its words (2.51,
 * without its `[request id: …]` prefix): input count, each input's name, datatype, shape and batch size, and one
 * batch size for all. A required input missing where an optional one stands in passes the count, as in Triton; the
 * model then refuses it (CONTRACT_ERRORS.missingInput). Returns the inputs by name.
 */
export function checkInputs(model: RuntimeModel, request: DecodedInferRequest): Map<string, Tensor> {
  const { declared, required } = inputsOf(model.config);
  const maxBatch = model.config.max_batch_size ?? 0;
  const byName = new Map<string, Tensor>();
  for (const input of request.inputs) {
    if (byName.has(input.name)) throw invalidArgument(`input '${input.name}' already exists in request`);
    byName.set(input.name, input);
  }
  const count = request.inputs.length;
  if (count > declared.length || count < required.length) {
    const expected =
      declared.length === required.length
        ? `expected ${declared.length} inputs`
        : `expected number of inputs between ${required.length} and ${declared.length}`;
    const missing = required.filter((d) => !byName.has(d.name)).map((d) => d.name);
    const given = request.inputs.map((t) => t.name);
    throw invalidArgument(
      `${expected} but got ${count} inputs for model '${model.name}'. Got input(s) ${quotedList(given)}, but missing required input(s) ${quotedList(missing)}. Please provide all required input(s).`,
    );
  }
  let batch: number | undefined;
  for (const input of request.inputs) {
    const spec = declared.find((d) => d.name === input.name);
    if (!spec) throw invalidArgument(`unexpected inference input '${input.name}' for model '${model.name}'`);
    if (input.datatype !== spec.datatype) {
      throw invalidArgument(
        `inference input '${input.name}' data-type is '${input.datatype}', but model '${model.name}' expects '${spec.datatype}'`,
      );
    }
    if (!shapeMatches(input.shape, spec.shape)) {
      throw invalidArgument(
        `unexpected shape for input '${input.name}' for model '${model.name}'. Expected [${spec.shape.join(",")}], got [${input.shape.join(",")}]`,
      );
    }
    if (maxBatch > 0) {
      const rows = input.shape[0] as number;
      if (rows > maxBatch) throw invalidArgument(`inference request batch-size must be <= ${maxBatch} for '${model.name}'`);
      if (batch !== undefined && rows !== batch) {
        throw invalidArgument(`input '${input.name}' batch size does not match other inputs for '${model.name}'`);
      }
      batch = rows;
      // Triton takes a batch of zero rows for one: a BYTES input then has too few elements
      if (rows === 0 && input.datatype === "BYTES") {
        throw invalidArgument(
          `expected ${elementCount(input.shape.slice(1))} string elements for inference input '${input.name}' for model '${model.name}', got 0`,
        );
      }
    }
  }
  for (const output of request.outputs ?? []) {
    if (!model.metadata.outputs.some((o) => o.name === output.name)) {
      throw invalidArgument(`unexpected inference output '${output.name}' for model '${model.name}'`);
    }
  }
  return byName;
}

/** UTF-8 texts of a BYTES tensor; invalid UTF-8 is the contract's error. */
export function decodeTexts(tensor: Tensor): string[] {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  return (tensor.data as Uint8Array[]).map((bytes) => {
    try {
      return decoder.decode(bytes);
    } catch {
      throw invalidArgument(CONTRACT_ERRORS.invalidUtf8(tensor.name));
    }
  });
}

/** A boolean request parameter: a JSON boolean, or "true"/"false"/"1"/"0" in any case (some clients send strings). */
export function boolParameter(parameters: Parameters, key: string, fallback: boolean): boolean {
  const value = parameters[key];
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.toLowerCase() : undefined;
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw invalidArgument(CONTRACT_ERRORS.booleanParameter(key, value));
}

/** A string request parameter; absent or empty: `fallback`. */
export function stringParameter(parameters: Parameters, key: string, fallback: string): string {
  const value = parameters[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string") throw invalidArgument(CONTRACT_ERRORS.stringParameter(key, value));
  return value || fallback;
}
