/**
 * POST /v1/embeddings: OpenAI-compatible embeddings. `usage` is always 0: the proxy does not tokenize (it must
 * run on Workers, without the tokenizers) and the model contract has no token-count output.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "@gpu-bridge/contract/errors";
import { openAIEmbeddingsRequestSchema, OpenAIEmbeddingsResponseSchema, type RequestLimits } from "@gpu-bridge/contract/schemas";
import { embedForRequest } from "../embed-request.js";
import { row, rowBase64 } from "../inference/embed.js";
import { requestLimits } from "../limits.js";
import type { Services } from "../services.js";
import type { ServedModel } from "../upstream/catalog.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, jsonRequest, POST_ERRORS, SECURITY } from "./openapi-helpers.js";

const openAIEmbeddingsRoute = (limits: RequestLimits) =>
  createRoute({
    method: "post",
    path: "/v1/embeddings",
    tags: ["inference"],
    summary: "OpenAI-compatible embeddings",
    description: "OpenAI's request and response shapes. `usage` token counts are reported as 0 (no tokenizer in the proxy).",
    security: SECURITY,
    request: jsonRequest(openAIEmbeddingsRequestSchema(limits)),
    responses: {
      200: jsonContent(OpenAIEmbeddingsResponseSchema, "One embedding per input"),
      ...errorResponses(...POST_ERRORS),
    },
  });

export function registerOpenAIEmbeddings(app: OpenAPIHono<AppEnv>, services: Services): void {
  const { config } = services;
  app.openapi(openAIEmbeddingsRoute(requestLimits(config)), async (c) => {
    const body = c.req.valid("json");
    const texts = typeof body.input === "string" ? [body.input] : body.input;
    const checkDimensions = (model: ServedModel, actual: number | undefined) => {
      if (body.dimensions === undefined || actual === undefined || body.dimensions === actual) return;
      throw new ApiError("validation_error", `dimensions ${body.dimensions} is not supported: ${model.publicName} has ${actual}`, {
        issues: [{ path: "dimensions", message: `must be ${actual}` }],
      });
    };
    // Before inference when the model's config declares its width; after it otherwise.
    const { choice, embeddings } = await embedForRequest(services, c.get("requestId"), c.req.raw.signal, texts, body.model, (resolved) =>
      checkDimensions(resolved.model, resolved.model.dimensions),
    );
    checkDimensions(choice.model, embeddings.dimensions);
    const base64 = body.encoding_format === "base64";
    return c.json(
      {
        object: "list" as const,
        data: Array.from({ length: embeddings.rows }, (_, index) => ({
          object: "embedding" as const,
          index,
          embedding: base64 ? rowBase64(embeddings, index) : row(embeddings, index),
        })),
        model: choice.name,
        usage: { prompt_tokens: 0, total_tokens: 0 },
      },
      200,
    );
  });
}
