/** The documented shape of every proxy response: the route's schema on success, the one error body otherwise. */
import type { z } from "zod";
import {
  BertscoreResponseSchema,
  EmbedResponseSchema,
  ERROR_STATUS,
  ErrorBodySchema,
  HealthResponseSchema,
  InfoResponseSchema,
  OpenAIEmbeddingsResponseSchema,
} from "@gpu-bridge/contract/schemas";
import type { ShapeCheck } from "./load-driver.js";

/** The first problem zod found, on one line. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid";
}

const SUCCESS_SCHEMAS: Record<string, z.ZodType> = {
  "/embed": EmbedResponseSchema,
  "/bertscore": BertscoreResponseSchema,
  "/v1/embeddings": OpenAIEmbeddingsResponseSchema,
  "/health": HealthResponseSchema,
  "/info": InfoResponseSchema,
};

/**
 * 200: the route's response schema; any other status: the error body whose code documents that status
 * (/health may also answer 503 with its own body while no inference server is ready).
 */
export const checkDocumentedShape: ShapeCheck = (path, status, body) => {
  const route = path.split("?")[0] ?? path;
  if (status === 200) {
    const schema = SUCCESS_SCHEMAS[route];
    if (!schema) return `no success schema for ${route}`;
    const result = schema.safeParse(body);
    return result.success ? undefined : `not a ${route} response (${firstIssue(result.error)})`;
  }
  if (route === "/health" && status === 503 && HealthResponseSchema.safeParse(body).success) return undefined;
  const result = ErrorBodySchema.safeParse(body);
  if (!result.success) return `not the error shape (${firstIssue(result.error)})`;
  const documented = ERROR_STATUS[result.data.code];
  return documented === status ? undefined : `code ${result.data.code} documents ${documented}, got ${status}`;
};
