/** POST /embed: the original service's embeddings endpoint. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { embedRequestSchema, EmbedResponseSchema, type RequestLimits } from "../../api/schemas.js";
import { embedTexts, row } from "../inference/embed.js";
import { requestLimits } from "../limits.js";
import { resolveModel } from "../models.js";
import { withUpstreamSlot, type Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, jsonRequest, POST_ERRORS, SECURITY } from "./openapi-helpers.js";

const embedRoute = (limits: RequestLimits) =>
  createRoute({
    method: "post",
    path: "/embed",
    tags: ["inference"],
    summary: "Sentence embeddings",
    description: "L2-normalised sentence embeddings (sentence-transformers `encode`).",
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
    const signal = c.req.raw.signal;
    const result = await withUpstreamSlot(services, signal, async (upstream) => {
      const served = await resolveModel(upstream, "embed", model, config.MODEL_EMBED);
      const embeddings = await embedTexts(upstream.client, served.served, texts, {
        binary: config.UPSTREAM_BINARY,
        signal,
        maxBatchSize: served.maxBatchSize,
      });
      return { served, embeddings };
    });
    const { embeddings, served } = result;
    return c.json(
      {
        embeddings: Array.from({ length: embeddings.rows }, (_, i) => row(embeddings, i)),
        model: served.publicName,
        dimensions: embeddings.dimensions,
      },
      200,
    );
  });
}
