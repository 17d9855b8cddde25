/** POST /embed: the original service's embeddings endpoint. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { embedRequestSchema, EmbedResponseSchema, type RequestLimits } from "@gpu-bridge/contract/schemas";
import { embedForRequest } from "../embed-request.js";
import { row } from "../inference/embed.js";
import { requestLimits } from "../limits.js";
import { resolveModel } from "../models.js";
import type { Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, jsonRequest, POST_ERRORS, SECURITY } from "./openapi-helpers.js";

const embedRoute = (limits: RequestLimits) =>
  createRoute({
    method: "post",
    path: "/embed",
    tags: ["inference"],
    summary: "Sentence embeddings",
    description:
      "L2-normalised sentence embeddings (sentence-transformers `encode`). No texts: no embeddings and `dimensions` 0, " +
      "without an inference call (the named model is still checked).",
    security: SECURITY,
    request: jsonRequest(embedRequestSchema(limits)),
    responses: {
      200: jsonContent(EmbedResponseSchema, "One vector per text"),
      ...errorResponses(...POST_ERRORS),
    },
  });

export function registerEmbed(app: OpenAPIHono<AppEnv>, services: Services): void {
  const { config } = services;
  app.openapi(embedRoute(requestLimits(config)), async (c) => {
    const { texts, model } = c.req.valid("json");
    if (texts.length === 0) {
      const choice = await services.pool.run((upstream) => resolveModel(upstream, "embed", model, config.MODEL_EMBED));
      return c.json({ embeddings: [], model: choice.name, dimensions: 0 }, 200);
    }
    const { choice, embeddings } = await embedForRequest(services, c.get("requestId"), c.req.raw.signal, texts, model);
    return c.json(
      {
        embeddings: Array.from({ length: embeddings.rows }, (_, i) => row(embeddings, i)),
        model: choice.name,
        dimensions: embeddings.dimensions,
      },
      200,
    );
  });
}
