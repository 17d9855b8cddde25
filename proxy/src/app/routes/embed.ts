/** POST /embed: the original service's embeddings endpoint. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { embedRequestSchema, EmbedResponseSchema, type RequestLimits } from "@gpu-bridge/contract/schemas";
import { embedTexts, row, type Embeddings } from "../inference/embed.js";
import { requestLimits } from "../limits.js";
import { pendingModel } from "../jobs.js";
import { resolveModel, type ModelChoice } from "../models.js";
import { withUpstreamSlot, type Services } from "../services.js";
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

/**
 * The texts' embeddings from the requested (else the configured) embed model, within an upstream slot;
 * `beforeInference` may refuse the resolved model before any text is sent.
 */
export async function embedForRequest(
  services: Services,
  requestId: string,
  signal: AbortSignal,
  texts: string[],
  model: string | undefined,
  beforeInference?: (choice: ModelChoice) => void,
): Promise<{ choice: ModelChoice; embeddings: Embeddings }> {
  const { config } = services;
  const job = { id: requestId, type: "embed" as const, items: texts.length, texts: texts.length, model: pendingModel(model, config.MODEL_EMBED) };
  return withUpstreamSlot(services, signal, job, async (upstream, active, callSignal) => {
    const choice = await resolveModel(upstream, "embed", model, config.MODEL_EMBED);
    active.model = choice.name;
    beforeInference?.(choice);
    const embeddings = await embedTexts(upstream.client, choice.model.served, texts, {
      binary: config.UPSTREAM_BINARY,
      ...(callSignal ? { signal: callSignal } : {}),
      maxBatchSize: choice.model.maxBatchSize,
    });
    return { choice, embeddings };
  });
}

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
