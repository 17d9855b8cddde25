/**
 * A model the runtime serves, and the checks Triton's core makes on a request before a model sees it.
 */
import { invalidArgument } from "../kserve/errors.js";
import { CONTRACT_ERRORS } from "../kserve/model-contract.js";
import type { ModelConfig, ModelMetadata, Parameters, Tensor } from "../kserve/types.js";
import type { DecodedInferRequest } from "../kserve/binary.js";
import { configTensors, type ConfigTensor } from "./model-config.js";

export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly config: ModelConfig;
  readonly metadata: ModelMetadata;
  /** Computes every output of the model for checked inputs (by name). */
  infer(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters): Promise<Tensor[]>;
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

/** Checks inputs against the config (names, datatypes, shapes, batch size) and returns them by name. */
export function checkInputs(model: ServedModel, request: DecodedInferRequest): Map<string, Tensor> {
  const declared = configTensors(model.config, "input");
  const maxBatch = model.config.max_batch_size ?? 0;
  const byName = new Map<string, Tensor>();
  for (const input of request.inputs) {
    const spec = declared.find((d) => d.name === input.name);
    if (!spec) throw invalidArgument(`unexpected inference input '${input.name}' for model '${model.name}'`);
    if (byName.has(input.name)) throw invalidArgument(`input '${input.name}' appears more than once`);
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
    if (maxBatch > 0 && (input.shape[0] as number) > maxBatch) {
      throw invalidArgument(`inference request batch-size must be <= ${maxBatch} for '${model.name}'`);
    }
    byName.set(input.name, input);
  }
  for (const spec of declared) {
    if (!spec.optional && !byName.has(spec.name)) throw invalidArgument(CONTRACT_ERRORS.missingInput(spec.name));
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

/** A boolean request parameter: JSON booleans, or "true"/"false" strings as some clients send them. */
export function boolParameter(parameters: Parameters, key: string, fallback: boolean): boolean {
  const value = parameters[key];
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "True" || value === "1") return true;
  if (value === "false" || value === "False" || value === "0") return false;
  throw invalidArgument(`parameter '${key}' must be a boolean, got ${JSON.stringify(value)}`);
}

export function stringParameter(parameters: Parameters, key: string, fallback: string): string {
  const value = parameters[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string") throw invalidArgument(`parameter '${key}' must be a string, got ${JSON.stringify(value)}`);
  return value;
}
