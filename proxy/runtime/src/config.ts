/**
 * The environment of the runtime's own processes, validated at start like the proxy's: the
 * standalone runtime server (`npm run runtime`, cli.ts) reads the embedded runtime's settings plus its port;
 * the model fetcher (`npm run fetch-models`, fetch-models-cli.ts) reads where models come from and go to.
 * A flag stands for its variable and goes through the same check. Documented in README.md and .env.example.
 */
import { z } from "zod";
import { parseFields } from "@gpu-bridge/contract/config";

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The embedded runtime's settings, read by the proxy on Node without TRITON_URL (its app/config.ts) and by the
 * standalone runtime server (`npm run runtime`).
 * Worker threads each hold their own onnxruntime sessions: more workers use more memory (one copy of every encoder
 * each) and run more requests side by side; intra-op threads spread one request over cores.
 */
export const RuntimeConfigFields = z.object({
  /** Model repository the embedded runtime serves (default: the repository's triton-models/). */
  MODEL_REPOSITORY: z.string().min(1).optional(),
  /** onnxruntime execution provider; `cuda` falls back to the CPU where this onnxruntime build or machine has none. */
  RUNTIME_EXECUTION_PROVIDER: z.string().trim().toLowerCase().pipe(z.enum(["cpu", "cuda"])).default("cpu"),
  /** Worker threads running inference, each with its own sessions. */
  RUNTIME_WORKERS: int(1, 1, 64),
  /** Threads of one operator in each worker; unset: the machine's cores divided among the workers. */
  RUNTIME_INTRA_OP_THREADS: z.coerce.number().int().min(1).max(256).optional(),
});

export type RuntimeConfig = z.output<typeof RuntimeConfigFields>;

/** The embedded runtime's settings alone. */
export function parseRuntimeConfig(source: Record<string, unknown>): RuntimeConfig {
  return parseFields(RuntimeConfigFields, Object.keys(RuntimeConfigFields.shape), source);
}


export const RuntimeServerConfigFields = RuntimeConfigFields.extend({
  /** Port of the standalone runtime server (`--port`); 0: any free port. */
  RUNTIME_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
});

export type RuntimeServerConfig = z.output<typeof RuntimeServerConfigFields>;

export const FetchModelsConfigFields = z.object({
  /** A Hugging Face repository of ready ONNX exports (`owner/name`, `--repo`); unset: convert the hub's own ONNX files. */
  GPU_BRIDGE_MODELS_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/name")
    .optional(),
  /** The hub (`--base-url`). */
  HF_ENDPOINT: z.url({ protocol: /^https?$/ }).default("https://huggingface.co"),
  /** A token for gated or private repositories. */
  HF_TOKEN: z.string().optional(),
  /** Where the models are written (`--out`); unset: the repository's triton-models/. */
  MODEL_REPOSITORY: z.string().min(1).optional(),
  /** The Python that runs the ONNX graph surgery (`--python`); unset: setup's environments. */
  GPU_BRIDGE_SURGERY_PYTHON: z.string().min(1).optional(),
});

export type FetchModelsConfig = z.output<typeof FetchModelsConfigFields>;

export function parseRuntimeServerConfig(source: Record<string, unknown>): RuntimeServerConfig {
  return parseFields(RuntimeServerConfigFields, Object.keys(RuntimeServerConfigFields.shape), source);
}

export function parseFetchModelsConfig(source: Record<string, unknown>): FetchModelsConfig {
  return parseFields(FetchModelsConfigFields, Object.keys(FetchModelsConfigFields.shape), source);
}
