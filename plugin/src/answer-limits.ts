/**
 * What the plugin accepts from the proxy for what it sent: an answer no larger than the request can need, one
 * vector (or one score of each kind) per text sent, every vector as wide as the answer's `dimensions`. The proxy is
 * a remote service; an answer out of these bounds would cost the Gateway time and memory for nothing.
 */
import { z } from "zod";
import { BertscoreResponseSchema, EmbedResponseSchema } from "@gpu-bridge/contract/schemas";

/** Widest embedding accepted: above every sentence-embedding model's width (all-MiniLM-L6-v2 384, large ones 4096). */
export const MAX_DIMENSIONS = 8192;
/** JSON bytes one number may take, comma included (`-1.2345678901234567e-10,` is 24). */
const BYTES_PER_NUMBER = 32;
/** Bytes of an answer besides its numbers: keys, model name, hash. */
const FIXED_BYTES = 64 * 1024;

export interface AnswerLimits<T extends z.ZodType> {
  schema: T;
  maxBytes: number;
}

/** /embed for `texts` texts: that many vectors, each `dimensions` wide, at most MAX_DIMENSIONS. */
export function embedAnswer(texts: number) {
  const schema = EmbedResponseSchema.check((ctx) => {
    const { embeddings, dimensions } = ctx.value;
    if (embeddings.length !== texts) {
      ctx.issues.push({ code: "custom", path: ["embeddings"], input: embeddings, message: `${embeddings.length} vectors for the ${texts} texts sent` });
      return;
    }
    if (dimensions > MAX_DIMENSIONS) {
      ctx.issues.push({ code: "custom", path: ["dimensions"], input: dimensions, message: `dimensions ${dimensions}, more than the ${MAX_DIMENSIONS} the plugin accepts` });
      return;
    }
    const narrow = embeddings.findIndex((vector) => vector.length !== dimensions);
    if (narrow >= 0) {
      const width = (embeddings[narrow] as number[]).length;
      ctx.issues.push({
        code: "custom",
        path: ["embeddings", narrow],
        input: width,
        message: `vector ${narrow} has ${width} numbers, not the ${dimensions} dimensions declared`,
      });
    }
  });
  return { schema, maxBytes: FIXED_BYTES + texts * MAX_DIMENSIONS * BYTES_PER_NUMBER } satisfies AnswerLimits<typeof schema>;
}

/** /bertscore for `candidates` candidates: that many precisions, recalls and F1s. */
export function bertscoreAnswer(candidates: number) {
  const schema = BertscoreResponseSchema.check((ctx) => {
    for (const key of ["precision", "recall", "f1"] as const) {
      const scores = ctx.value[key];
      if (scores.length !== candidates) {
        ctx.issues.push({ code: "custom", path: [key], input: scores, message: `${scores.length} scores for the ${candidates} candidates sent` });
        return;
      }
    }
  });
  return { schema, maxBytes: FIXED_BYTES + candidates * 3 * BYTES_PER_NUMBER } satisfies AnswerLimits<typeof schema>;
}
