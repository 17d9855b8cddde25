/**
 * The one definition of the HTTP API's request and response bodies (plain zod 4 with OpenAPI metadata in `.meta()`).
 * The proxy validates and documents with these; the OpenClaw plugin imports them. No Hono or Node imports here.
 */
import { z } from "zod";

export { ErrorBodySchema, ERROR_CODES, ERROR_STATUS, type ErrorBody, type ErrorCode } from "@gpu-bridge/contract/errors";

export const DEVICES = ["cuda", "cpu"] as const;

export const HealthResponseSchema = z
  .object({
    status: z.enum(["ok", "error"]).meta({ description: "`ok` when an inference server is ready" }),
    device: z.enum(DEVICES).meta({ description: "Device the models run on (last known when not ready)" }),
  })
  .meta({ id: "HealthResponse", example: { status: "ok", device: "cuda" } });

export const InfoResponseSchema = z
  .object({
    device: z.enum(DEVICES),
    device_name: z.string().meta({ description: "GPU name, or the CPU's name" }),
    vram_total_mb: z.number().int().nullable().meta({ description: "null without a GPU" }),
    vram_used_mb: z.number().int().nullable().meta({ description: "null without a GPU" }),
    pytorch_version: z.string().meta({ description: "Empty when no PyTorch runs the models" }),
    cuda_version: z.string().nullable(),
    loaded_models: z.array(z.string()).meta({ description: "`<task>:<model>`, e.g. `embed:all-MiniLM-L6-v2`" }),
    backend: z.enum(["triton", "embedded"]).meta({ description: "What serves the models" }),
    server: z.object({ name: z.string(), version: z.string() }).meta({ description: "The KServe v2 server" }),
    runtime: z.string().meta({ description: "What runs the models, e.g. `triton python_backend`" }),
    embed_model: z.string().nullable().meta({ description: "Model used by /embed when none is named" }),
    bertscore_model: z.string().nullable().meta({ description: "Model used by /bertscore when none is named" }),
    notes: z.array(z.string()).meta({ description: "e.g. that MODEL_BERTSCORE is not served and which is used" }),
  })
  .meta({
    id: "InfoResponse",
    example: {
      device: "cuda",
      device_name: "NVIDIA H100 80GB HBM3",
      vram_total_mb: 81559,
      vram_used_mb: 2311,
      pytorch_version: "2.15.0",
      cuda_version: "12.8",
      loaded_models: ["bertscore:roberta-large", "embed:all-MiniLM-L6-v2"],
      backend: "triton",
      server: { name: "triton", version: "2.60.0" },
      runtime: "triton python_backend",
      embed_model: "all-MiniLM-L6-v2",
      bertscore_model: "roberta-large",
      notes: [],
    },
  });

export const StatusResponseSchema = z
  .object({
    queue: z
      .object({
        max_concurrent: z.number().int().meta({ description: "Requests that can be in flight at once: GPU_MAX_CONCURRENT when set, at most GPU_MAX_TEXTS_IN_FLIGHT" }),
        in_flight: z.number().int().meta({ description: "Requests in flight now" }),
        available_slots: z.number().int().meta({ description: "One-text requests that would be admitted now (0 while other small requests wait)" }),
        waiting_estimate: z
          .number()
          .int()
          .meta({ description: "Requests waiting for a slot (at most GPU_QUEUE_TIMEOUT_MS, then 503)" }),
      })
      .meta({ description: "Admission of this proxy process (of this isolate on Workers)" }),
    active_jobs: z
      .array(
        z.object({
          id: z.string().meta({ description: "The request's X-Request-Id" }),
          type: z.enum(["embed", "bertscore"]),
          started_at: z.string().meta({ description: "When it got its slot, ISO 8601 UTC" }),
          items: z.number().int().meta({ description: "Texts to embed, or candidates to score" }),
          model: z.string().meta({ description: "The model as the response will name it" }),
          progress: z.number().meta({ description: "0 until the inference server answers, then 1" }),
        }),
      )
      .meta({ description: "Requests holding a slot, oldest first" }),
  })
  .meta({
    id: "StatusResponse",
    example: {
      queue: { max_concurrent: 2, in_flight: 1, available_slots: 1, waiting_estimate: 0 },
      active_jobs: [
        {
          id: "4f1c2a9e-8d3b-4c55-9a7e-2b1d0c6e5f10",
          type: "embed",
          started_at: "2026-11-20T09:14:03.512Z",
          items: 32,
          model: "all-MiniLM-L6-v2",
          progress: 0,
        },
      ],
    },
  });

/**
 * Size limits of one request, from the proxy's configuration (GPU_MAX_BATCH_SIZE, GPU_MAX_TEXT_LENGTH). Schemas
 * built with them refuse a list that is too long before looking at its elements, so a huge body costs no more than
 * a small one, and the OpenAPI document states them (`maxItems`, `maxLength`). Without limits (the plugin's tools)
 * the proxy's configuration decides.
 */
export interface RequestLimits {
  /** Most texts in one list; all references of a request together count against it too. */
  maxItems: number;
  /** Most characters per text, counted as Unicode code points (as Python's `len`). */
  maxTextLength: number;
}

/** Unicode code points in `text`: a surrogate pair is one character, a lone surrogate one too. */
export function codePointLength(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs += 1;
        i += 1;
      }
    }
  }
  return text.length - pairs;
}

/** Limit failures are `too_big` issues (the API answers them 413 `too_many_items` / `text_too_long`). */
function textSchema(limits: RequestLimits | undefined) {
  if (!limits) return z.string();
  const max = limits.maxTextLength;
  return z
    .string()
    .check((ctx) => {
      // A text of at most `max` UTF-16 units has at most `max` code points: only longer ones are counted.
      if (ctx.value.length <= max) return;
      const length = codePointLength(ctx.value);
      if (length <= max) return;
      ctx.issues.push({ code: "too_big", origin: "string", maximum: max, inclusive: true, input: ctx.value, message: `${length} characters; at most ${max}` });
    })
    .meta({ maxLength: max });
}

/**
 * A list of texts; its length is checked before its elements, so a list of millions is refused at once. At least
 * one text unless `allowEmpty` (/embed answers `texts: []` as the original service).
 */
function textList(limits: RequestLimits | undefined, { allowEmpty = false } = {}) {
  const list = allowEmpty ? z.array(textSchema(limits)) : z.array(textSchema(limits)).min(1);
  if (!limits) return list;
  const max = limits.maxItems;
  return list.max(max, { error: (issue) => `${(issue.input as unknown[]).length} items; at most ${max} per request` });
}

/** References as sent: one text per candidate, or a list of texts per candidate. */
function referencesSchema(limits: RequestLimits | undefined) {
  const text = textSchema(limits);
  const references = z.array(z.union([text, textList(limits)])).min(1);
  if (!limits) return references;
  const max = limits.maxItems;
  const bounded = references.max(max, { error: (issue) => `${(issue.input as unknown[]).length} items; at most ${max} per request` });
  // Every reference text counts, so all lists together are counted before any element is looked at.
  return z.preprocess<unknown, typeof bounded, z.input<typeof bounded>>((value, ctx) => {
    if (!Array.isArray(value) || value.length > max) return value;
    let total = 0;
    for (const entry of value) total += Array.isArray(entry) ? entry.length : 1;
    if (total > max) {
      ctx.addIssue({ code: "too_big", origin: "array", maximum: max, inclusive: true, input: value, message: `${total} texts in all; at most ${max} per request` });
    }
    return value;
  }, bounded);
}

/**
 * A language as bert_score names them (`en`, `zh`, `en-sci`): a short tag of letters, digits and dashes, at most
 * 30 characters, or empty (en). It goes upstream with every call, so nothing longer is forwarded.
 */
export const LANG_TAG = /^(?:[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3})?$/;

export function bertscoreRequestSchema(limits?: RequestLimits) {
  return z
    .object({
      candidates: textList(limits).meta({ description: "Texts to score" }),
      references: referencesSchema(limits).meta({
        description: "One reference per candidate, or a list of references per candidate (best one counts)",
      }),
      lang: z
        .string()
        .regex(LANG_TAG, { error: "not a language tag (e.g. en, zh, en-sci: 2 or 3 letters, then up to 3 -parts)" })
        .default("en")
        .meta({
          description:
            "Language: the rescale baseline, and bert_score's default model for it when no model_type is named and " +
            "that model is served; empty means `en`. A short tag (`en`, `zh`, `en-sci`), at most 30 characters",
        }),
      model_type: z
        .string()
        .optional()
        .meta({ description: "BERTScore model (name or Hugging Face id); absent or empty: MODEL_BERTSCORE" }),
      idf: z.boolean().default(false).meta({ description: "Weight tokens by idf over the references" }),
      rescale_with_baseline: z.boolean().default(false).meta({ description: "Rescale with bert_score's baseline" }),
      use_fast_tokenizer: z.boolean().default(false).meta({
        description:
          "bert_score's use_fast_tokenizer: tokenize with the fast tokenizer (tokenizer.json) instead of bert_score's " +
          "default, the slow one; the hash then ends in `_fast-tokenizer`",
      }),
    })
    .meta({
      id: "BertscoreRequest",
      example: { candidates: ["The cat sat on the mat."], references: ["A cat was sitting on the mat."] },
    });
}

export const BertscoreRequestSchema = bertscoreRequestSchema();

/** bert_score divides by the sum of the idf weights, which is 0 when every token has df = M (M references). */
const NAN_NOTE = "null where bert_score yields NaN: idf with a single reference gives every reference token weight 0";

export const BertscoreResponseSchema = z
  .object({
    precision: z
      .array(z.number().nullable())
      .meta({ description: `${NAN_NOTE}, so P is null when every candidate token occurs in that reference` }),
    recall: z.array(z.number().nullable()).meta({ description: `${NAN_NOTE}, so R is null` }),
    f1: z.array(z.number()).meta({ description: "0 where precision or recall is null, as in bert_score" }),
    model: z.string().meta({ description: "The model that scored, as the request named it, else the default's name" }),
    hash: z.string().meta({ description: "bert_score's hash of the scoring settings" }),
  })
  .meta({
    id: "BertscoreResponse",
    example: {
      precision: [0.9512],
      recall: [0.9401],
      f1: [0.9456],
      model: "roberta-large",
      hash: "roberta-large_L17_no-idf_version=0.3.12(hug_trans=4.x)",
    },
  });

export function embedRequestSchema(limits?: RequestLimits) {
  return z
    .object({
      texts: textList(limits, { allowEmpty: true }).meta({
        description: "Texts to embed; none: no embeddings and `dimensions` 0, as the original service",
      }),
      model: z
        .string()
        .optional()
        .meta({ description: "Embedding model (name or Hugging Face id); absent or empty: MODEL_EMBED" }),
    })
    .meta({ id: "EmbedRequest", example: { texts: ["hello world"] } });
}

export const EmbedRequestSchema = embedRequestSchema();

export const EmbedResponseSchema = z
  .object({
    embeddings: z.array(z.array(z.number())).meta({ description: "One L2-normalised vector per text" }),
    model: z.string().meta({ description: "The model as the request named it, else the default's name" }),
    dimensions: z.number().int(),
  })
  .meta({ id: "EmbedResponse", example: { embeddings: [[0.0123, -0.0456, 0.0789]], model: "all-MiniLM-L6-v2", dimensions: 384 } });

/**
 * OpenAI also takes token ids (`[1, 2]`, `[[1, 2]]`); the proxy does not tokenize, so such input is refused with a
 * message that says so rather than a bare union failure.
 */
function withoutTokenArrays<T extends z.ZodType>(input: T) {
  return z.preprocess<unknown, T, z.input<T>>((value, ctx) => {
    if (Array.isArray(value) && value.some((item) => typeof item === "number" || Array.isArray(item))) {
      ctx.addIssue({ code: "custom", input: value, message: "token arrays are not supported: send a text or a list of texts" });
      return z.NEVER;
    }
    return value;
  }, input);
}

export function openAIEmbeddingsRequestSchema(limits?: RequestLimits) {
  return z
    .object({
      input: withoutTokenArrays(z.union([textSchema(limits), textList(limits)])).meta({
        description: "A text or a list of texts (token arrays are not supported: the proxy does not tokenize)",
      }),
      model: z.string().optional().meta({ description: "Embedding model; absent or empty: MODEL_EMBED" }),
      encoding_format: z
        .enum(["float", "base64"])
        .default("float")
        .meta({ description: "`base64`: little-endian float32 bytes, base64-encoded" }),
      dimensions: z.number().int().positive().optional().meta({ description: "Must equal the model's dimensions" }),
      user: z.string().optional(),
    })
    .meta({ id: "OpenAIEmbeddingsRequest", example: { input: ["hello world"], model: "all-MiniLM-L6-v2" } });
}

export const OpenAIEmbeddingsRequestSchema = openAIEmbeddingsRequestSchema();

export const OpenAIEmbeddingsResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]),
      }),
    ),
    model: z.string(),
    usage: z
      .object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() })
      .meta({ description: "Always 0: the proxy does not tokenize (see the README)" }),
  })
  .meta({
    id: "OpenAIEmbeddingsResponse",
    example: {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.0123, -0.0456] }],
      model: "all-MiniLM-L6-v2",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    },
  });

export type HealthResponse = z.infer<typeof HealthResponseSchema>;
export type InfoResponse = z.infer<typeof InfoResponseSchema>;
export type StatusResponse = z.infer<typeof StatusResponseSchema>;
export type BertscoreRequest = z.input<typeof BertscoreRequestSchema>;
export type BertscoreResponse = z.infer<typeof BertscoreResponseSchema>;
export type EmbedRequest = z.input<typeof EmbedRequestSchema>;
export type EmbedResponse = z.infer<typeof EmbedResponseSchema>;
export type OpenAIEmbeddingsRequest = z.input<typeof OpenAIEmbeddingsRequestSchema>;
export type OpenAIEmbeddingsResponse = z.infer<typeof OpenAIEmbeddingsResponseSchema>;
