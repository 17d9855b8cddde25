/**
 * The five tools. Parameters are zod schemas built from the proxy's request schemas; OpenClaw gets their JSON
 * Schema, and `execute` validates again because OpenClaw's HTTP /tools/invoke path passes arguments unchecked.
 *
 * What a result puts in front of the model: in OpenClaw's direct tool mode the `content` text; with its default Tool
 * Search (`tool_call`) the whole result, `details` included, as indented JSON. So `details` stays small too: gpu_embed
 * returns vectors only when asked (`include_vectors`), once, in `content`.
 *
 * A call that fails for want of the proxy (unreachable, key refused, a bad answer) returns OpenClaw's failed-tool
 * result, as its own tools do (`details.status: "error"`, the message in `details.error` and `content`): the Gateway's
 * /tools/invoke then hands the caller the message, where a thrown error would become a bare 500. Wrong arguments
 * still throw ToolInputError (a 400 with the message).
 */
import { z } from "zod";
import {
  BertscoreRequestSchema,
  type BertscoreResponseSchema,
  EmbedRequestSchema,
  HealthResponseSchema,
  StatusResponseSchema,
} from "@gpu-bridge/contract/schemas";
import { bertscoreAnswer, embedAnswer } from "./answer-limits.js";
import type { ProxyClient } from "./client.js";
import type { PluginConfig } from "./config.js";
import { summariseEmbeddings, type EmbeddingSummary } from "./embedding-summary.js";
import { GpuBridgeError, ToolInputError } from "./errors.js";
import {
  clipStatus,
  formatBertscore,
  formatEmbed,
  formatHealth,
  formatInfo,
  formatStatus,
  vectorsText,
  type KeyCheck,
  type ShownStatus,
} from "./format.js";
import type { AgentTool, ToolResult } from "./openclaw-api.js";
import { ProxyInfoSchema, type ProxyInfo } from "./proxy-info.js";

export const TOOL_NAMES = ["gpu_health", "gpu_info", "gpu_status", "gpu_bertscore", "gpu_embed"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** gpu_health answers fast or not at all, whatever the configured timeout. */
export const HEALTH_DEADLINE_MS = 5000;

const NoParams = z.object({}).strict();

export const BertscoreParams = z
  .object({
    ...BertscoreRequestSchema.shape,
    model_type: BertscoreRequestSchema.shape.model_type.meta({
      description: "BERTScore model (name or Hugging Face id, e.g. roberta-large); default: models.bertscore, else the proxy's",
    }),
    model: z.string().optional().meta({ description: "Alias of model_type (the original plugin's)" }),
  })
  .strict()
  .superRefine((args, ctx) => {
    if (args.candidates.length !== args.references.length) {
      ctx.addIssue({
        code: "custom",
        path: ["references"],
        message:
          `candidates and references must have equal length (${args.candidates.length} vs ${args.references.length}): ` +
          "one reference, or list of references, per candidate",
      });
    }
  });

export const EmbedParams = z
  .object({
    ...EmbedRequestSchema.shape,
    model: EmbedRequestSchema.shape.model.meta({
      description: "Embedding model (name or Hugging Face id, e.g. all-MiniLM-L6-v2); default: models.embed, else the proxy's",
    }),
    include_vectors: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Also return the vectors, as many as fit in about 24,000 characters (large: dimensions × texts floats); " +
          "default: only norms and similarities",
      }),
  })
  .strict();

export interface HealthDetails {
  serviceUrl: string;
  latencyMs: number;
  /** The proxy's own answer; kept under a key because OpenClaw grades a top-level `status`. */
  health: z.output<typeof HealthResponseSchema>;
  /** How the proxy took the API key on an authenticated route: `ok`, `rejected`, `missing` or `unchecked`. */
  apiKey: "ok" | "rejected" | "missing" | "unchecked";
}

export interface EmbedDetails extends EmbeddingSummary {
  model: string;
  /** Only with `include_vectors: true`: how many vectors `content` holds (the first ones). */
  vectors_included?: number;
}

/** OpenClaw's failed-tool details: it reads `status` and `error` to mark the call failed. */
export interface FailureDetails {
  status: "error";
  error: string;
  /** The proxy's error code, when it answered one. */
  code?: string;
  /** The proxy's HTTP status, when it answered. */
  httpStatus?: number;
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

  return guarded([
    {
      name: "gpu_health",
      label: "GPU Bridge health",
      description:
        "Check whether the GPU Bridge proxy and its inference server are up and accept the configured API key " +
        "(answers within 5 s).",
      parameters: jsonSchema(NoParams),
      async execute(_id, params, signal): Promise<ToolResult<HealthDetails>> {
        validate("gpu_health", NoParams, params);
        const { client, config } = ready();
        const deadline = Math.min(HEALTH_DEADLINE_MS, timeoutMs());
        const started = performance.now();
        const [health, key] = await Promise.all([
          client.get("/health", HealthResponseSchema, { timeoutMs: deadline, signal, retryBusy: false, acceptStatuses: [503] }),
          checkKey(client, config, deadline, signal),
        ]);
        const latencyMs = Math.round(performance.now() - started);
        return {
          content: [{ type: "text", text: formatHealth(health, client.serviceUrl, latencyMs, key) }],
          details: { serviceUrl: client.serviceUrl, latencyMs, health, apiKey: key.state === "accepted" ? "ok" : key.state },
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
      name: "gpu_status",
      label: "GPU Bridge queue",
      description: "Show the GPU Bridge proxy's queue: slots in use and free, requests waiting, and the jobs running now.",
      parameters: jsonSchema(NoParams),
      async execute(_id, params, signal): Promise<ToolResult<ShownStatus>> {
        validate("gpu_status", NoParams, params);
        const status = clipStatus(await ready().client.get("/status", StatusResponseSchema, { timeoutMs: timeoutMs(), signal }));
        return { content: [{ type: "text", text: formatStatus(status) }], details: status };
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
        const { model, model_type, ...args } = validate("gpu_bertscore", BertscoreParams, params);
        const { client, config } = ready();
        const named = model_type || model || config.models.bertscore;
        const body = { ...args, ...(named ? { model_type: named } : {}) };
        const { schema, maxBytes } = bertscoreAnswer(args.candidates.length);
        const result = await client.post("/bertscore", body, schema, { timeoutMs: timeoutMs(), signal, maxBytes });
        return { content: [{ type: "text", text: formatBertscore(result) }], details: result };
      },
    },
    {
      name: "gpu_embed",
      label: "Embeddings on GPU",
      description:
        "Embed texts with a sentence-transformers model on the GPU box. Returns the dimensions, each vector's L2 norm " +
        "and the cosine similarities of the texts; the vectors themselves only with include_vectors: true.",
      parameters: jsonSchema(EmbedParams),
      async execute(_id, params, signal): Promise<ToolResult<EmbedDetails>> {
        const { include_vectors: includeVectors, model, texts } = validate("gpu_embed", EmbedParams, params);
        const { client, config } = ready();
        const named = model || config.models.embed;
        const body = { texts, ...(named ? { model: named } : {}) };
        const { schema, maxBytes } = embedAnswer(texts.length);
        const result = await client.post("/embed", body, schema, { timeoutMs: timeoutMs(), signal, maxBytes });
        const summary = summariseEmbeddings(result.embeddings, result.dimensions);
        const vectors = includeVectors ? vectorsText(result.embeddings) : undefined;
        const details: EmbedDetails = { model: result.model, ...summary, ...(vectors ? { vectors_included: vectors.included } : {}) };
        return { content: [{ type: "text", text: formatEmbed(summary, result.model, vectors) }], details };
      },
    },
  ]);
}

/** Each tool's GpuBridgeError as OpenClaw's failed-tool result; a cancelled call and ToolInputError still throw. */
function guarded(tools: AgentTool[]): AgentTool[] {
  return tools.map((tool) => ({
    ...tool,
    async execute(id, params, signal) {
      try {
        return await tool.execute(id, params, signal);
      } catch (error) {
        if (!(error instanceof GpuBridgeError) || signal?.aborted) throw error;
        return failure(error);
      }
    },
  }));
}

function failure(error: GpuBridgeError): ToolResult<FailureDetails> {
  const details: FailureDetails = {
    status: "error",
    error: error.message,
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
  };
  return { content: [{ type: "text", text: error.message }], details };
}

/** /health needs no key, so the key is tried on GET /status (authenticated, answered without the inference server). */
async function checkKey(client: ProxyClient, config: PluginConfig, timeoutMs: number, signal?: AbortSignal): Promise<KeyCheck> {
  try {
    await client.get("/status", StatusResponseSchema, { timeoutMs, signal, retryBusy: false });
    return { state: "accepted" };
  } catch (error) {
    if (!(error instanceof GpuBridgeError)) return { state: "unchecked", reason: String(error) };
    const status = error.httpStatus;
    if (status === 401 || status === 403) {
      return {
        state: config.apiKey ? "rejected" : "missing",
        status,
        detail: error.code ?? "refused",
        setting: client.setting("apiKey"),
      };
    }
    if (status === 404) return { state: "unchecked", reason: "the proxy has no GET /status: an older version" };
    return { state: "unchecked", reason: error.message };
  }
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
