/**
 * The four tools. Parameters are zod schemas built from the proxy's request schemas; OpenClaw gets their JSON
 * Schema, and `execute` validates again because OpenClaw's HTTP /tools/invoke path passes arguments unchecked.
 */
import { z } from "zod";
import {
  BertscoreRequestSchema,
  BertscoreResponseSchema,
  EmbedRequestSchema,
  EmbedResponseSchema,
  HealthResponseSchema,
  InfoResponseSchema,
} from "../../proxy/src/api/schemas.js";
import type { ProxyClient } from "./client.js";
import type { PluginConfig } from "./config.js";
import { GpuBridgeError, ToolInputError } from "./errors.js";
import { formatBertscore, formatEmbed, formatHealth, formatInfo } from "./format.js";
import type { AgentTool, ToolResult } from "./openclaw-api.js";

export const TOOL_NAMES = ["gpu_health", "gpu_info", "gpu_bertscore", "gpu_embed"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** gpu_health answers fast or not at all, whatever the configured timeout. */
export const HEALTH_DEADLINE_MS = 5000;

const NoParams = z.object({}).strict();

export const BertscoreParams = z
  .object({
    ...BertscoreRequestSchema.shape,
    model_type: BertscoreRequestSchema.shape.model_type.meta({
      description: "BERTScore model, e.g. roberta-large; default: the plugin's models.bertscore",
    }),
  })
  .strict()
  .refine((args) => args.candidates.length === args.references.length, {
    message: "candidates and references must have the same length (one reference, or list of references, per candidate)",
    path: ["references"],
  });

export const EmbedParams = z
  .object({
    ...EmbedRequestSchema.shape,
    model: EmbedRequestSchema.shape.model.meta({
      description: "Embedding model, e.g. all-MiniLM-L6-v2; default: the plugin's models.embed",
    }),
  })
  .strict();

/** /info as the plugin reads it: the core fields the original service also had are required, the rest optional. */
export const ProxyInfoSchema = InfoResponseSchema.partial()
  .required({ device: true, device_name: true, loaded_models: true })
  .loose();
export type ProxyInfo = z.output<typeof ProxyInfoSchema>;

export interface HealthDetails {
  serviceUrl: string;
  latencyMs: number;
  /** The proxy's own answer; kept under a key because OpenClaw grades a top-level `status`. */
  health: z.output<typeof HealthResponseSchema>;
}

export interface ToolContext {
  client: ProxyClient;
  config: PluginConfig;
}

/** Builds the tools; `context` is either a ready client or the reason the plugin cannot run. */
export function createTools(context: ToolContext | { problem: string }): AgentTool[] {
  const ready = (): ToolContext => {
    if ("problem" in context) throw new GpuBridgeError(context.problem);
    return context;
  };
  const timeoutMs = () => ready().config.timeout * 1000;

  return [
    {
      name: "gpu_health",
      label: "GPU Bridge health",
      description: "Check whether the GPU Bridge proxy and its inference server are up (answers within 5 s).",
      parameters: jsonSchema(NoParams),
      async execute(_id, params, signal): Promise<ToolResult<HealthDetails>> {
        validate("gpu_health", NoParams, params);
        const { client } = ready();
        const started = performance.now();
        const health = await client.get("/health", HealthResponseSchema, {
          timeoutMs: Math.min(HEALTH_DEADLINE_MS, timeoutMs()),
          signal,
          retryBusy: false,
          acceptStatuses: [503],
        });
        const latencyMs = Math.round(performance.now() - started);
        return {
          content: [{ type: "text", text: formatHealth(health, client.origin, latencyMs) }],
          details: { serviceUrl: client.origin, latencyMs, health },
        };
      },
    },
    {
      name: "gpu_info",
      label: "GPU Bridge info",
      description: "Describe the GPU box: device and GPU name, VRAM used/total, CUDA and server versions, loaded models.",
      parameters: jsonSchema(NoParams),
      async execute(_id, params, signal): Promise<ToolResult<{ info: ProxyInfo }>> {
        validate("gpu_info", NoParams, params);
        const info = await ready().client.get("/info", ProxyInfoSchema, { timeoutMs: timeoutMs(), signal });
        return { content: [{ type: "text", text: formatInfo(info) }], details: { info } };
      },
    },
    {
      name: "gpu_bertscore",
      label: "BERTScore on GPU",
      description:
        "Compute BERTScore precision, recall and F1 of candidate texts against references on the GPU box " +
        "(bert_score semantics). Pass one reference (or a list of references) per candidate.",
      parameters: jsonSchema(BertscoreParams),
      async execute(_id, params, signal): Promise<ToolResult<z.output<typeof BertscoreResponseSchema>>> {
        const args = validate("gpu_bertscore", BertscoreParams, params);
        const { client, config } = ready();
        const body = { ...args, model_type: args.model_type ?? config.models.bertscore };
        const result = await client.post("/bertscore", body, BertscoreResponseSchema, { timeoutMs: timeoutMs(), signal });
        return { content: [{ type: "text", text: formatBertscore(result) }], details: result };
      },
    },
    {
      name: "gpu_embed",
      label: "Embeddings on GPU",
      description:
        "Embed texts with a sentence-transformers model on the GPU box; returns one L2-normalised vector per text.",
      parameters: jsonSchema(EmbedParams),
      async execute(_id, params, signal): Promise<ToolResult<z.output<typeof EmbedResponseSchema>>> {
        const args = validate("gpu_embed", EmbedParams, params);
        const { client, config } = ready();
        const body = { ...args, model: args.model ?? config.models.embed };
        const result = await client.post("/embed", body, EmbedResponseSchema, { timeoutMs: timeoutMs(), signal });
        return { content: [{ type: "text", text: formatEmbed(result) }], details: result };
      },
    },
  ];
}

/** Parses tool arguments; a mismatch is a ToolInputError naming each problem. */
export function validate<T extends z.ZodType>(tool: ToolName, schema: T, params: unknown): z.output<T> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new ToolInputError(`Invalid arguments for ${tool}: ${problems.join("; ")}`);
}

/** JSON Schema of the tool's input, as OpenClaw and model providers expect it (no `$schema`, inline). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
}
