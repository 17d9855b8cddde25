/**
 * The environment of the runtime's own processes, validated at start like the proxy's (app/config.ts): the
 * standalone runtime server (`npm run runtime -w @gpu-bridge/proxy`, cli.ts) reads the embedded runtime's settings plus its port;
 * the model fetcher (`npm run fetch-models -w @gpu-bridge/proxy`, fetch-models-cli.ts) reads where models come from and go to.
 * A flag stands for its variable and goes through the same check. Documented in README.md and .env.example.
 */
import { z } from "zod";
import { RuntimeConfigFields, parseFields } from "../app/config.js";

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
