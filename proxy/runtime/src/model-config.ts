/**
 * Triton's JSON form of a config.pbtxt (what `GET /v2/models/{m}/config` answers), and the typed views of it
 * the runtime needs: tensor datatypes, shapes and the contract's discovery parameters.
 */
import { invalidArgument } from "@gpu-bridge/kserve/errors";
import type { Datatype, ModelConfig, TensorMetadata } from "@gpu-bridge/kserve/types";
import { parsePbtxt, type PbMessage, type PbValue } from "./pbtxt.js";

/** Fields of ModelConfig that are repeated in the proto, so they are arrays in JSON even with one value. */
const REPEATED = new Set([
  "input",
  "output",
  "dims",
  "instance_group",
  "gpus",
  "preferred_batch_size",
  "model_warmup",
  "profile",
  "shape",
  "label_filename",
  "control",
  "gpu_execution_accelerator",
  "cpu_execution_accelerator",
]);

/** int64/uint64 fields, written as strings by protobuf's JSON mapping. */
const INT64 = new Set(["dims", "max_queue_delay_microseconds", "shape"]);

function toJson(message: PbMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, values] of Object.entries(message)) {
    if (field === "parameters") {
      // map fields: ModelParameter messages at the top level, plain strings in execution accelerators
      const params: Record<string, { string_value: string } | string> = {};
      for (const entry of values) {
        if (typeof entry !== "object") continue;
        const key = entry.key?.[0];
        const value = entry.value?.[0];
        if (key === undefined) continue;
        if (typeof value === "object") params[String(key)] = { string_value: String(value.string_value?.[0] ?? "") };
        else params[String(key)] = String(value ?? "");
      }
      out.parameters = params;
      continue;
    }
    const convert = (v: PbValue): unknown =>
      typeof v === "object" ? toJson(v) : INT64.has(field) && typeof v === "number" ? String(v) : v;
    out[field] = REPEATED.has(field) || values.length > 1 ? values.map(convert) : convert(values[0] as PbValue);
  }
  return out;
}

/** Parses config.pbtxt text into Triton's JSON config; `name` defaults to the model's folder name. */
export function parseModelConfig(source: string, folderName: string): ModelConfig {
  const json = toJson(parsePbtxt(source)) as Partial<ModelConfig>;
  return { ...json, name: typeof json.name === "string" ? json.name : folderName } as ModelConfig;
}

export function configParameter(config: ModelConfig, key: string): string | undefined {
  return config.parameters?.[key]?.string_value;
}

/** TYPE_FP32 -> FP32, TYPE_STRING -> BYTES. */
export function configDatatype(dataType: string): Datatype {
  const name = dataType.replace(/^TYPE_/, "");
  if (name === "STRING") return "BYTES";
  const known: Datatype[] = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP32", "FP64"];
  const found = known.find((d) => d === name);
  if (!found) throw invalidArgument(`unsupported data_type ${dataType}`);
  return found;
}

export interface ConfigTensor extends TensorMetadata {
  optional: boolean;
}

/** A config's inputs or outputs with the batch dimension (-1) in front when max_batch_size > 0. */
export function configTensors(config: ModelConfig, which: "input" | "output"): ConfigTensor[] {
  const batched = (config.max_batch_size ?? 0) > 0;
  return (config[which] ?? []).map((t) => {
    const dims = (t.dims ?? []).map(Number);
    return {
      name: t.name,
      datatype: configDatatype(t.data_type),
      shape: batched ? [-1, ...dims] : dims,
      optional: (t as { optional?: unknown }).optional === true,
    };
  });
}

/** A model's `dynamic_batching`, as the runtime honours it: how long a request may wait for others, and up to how many rows. */
export interface BatchingPolicy {
  maxQueueDelayMs: number;
  /** Rows at which a batch starts without waiting: the largest preferred size, else max_batch_size. */
  startRows: number;
}

/** The config's dynamic batching; undefined where it has none (or does not batch: max_batch_size 0). */
export function batchingPolicy(config: ModelConfig): BatchingPolicy | undefined {
  const dynamic = config.dynamic_batching as { max_queue_delay_microseconds?: string; preferred_batch_size?: number[] } | undefined;
  const maxBatch = config.max_batch_size ?? 0;
  if (!dynamic || maxBatch <= 0) return undefined;
  const preferred = (dynamic.preferred_batch_size ?? []).map(Number).filter((n) => n > 0 && n <= maxBatch);
  return {
    maxQueueDelayMs: Number(dynamic.max_queue_delay_microseconds ?? 0) / 1000,
    startRows: preferred.length > 0 ? Math.max(...preferred) : maxBatch,
  };
}
