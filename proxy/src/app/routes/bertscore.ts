/** POST /bertscore: the original service's BERTScore endpoint, plus idf, baseline rescaling and multi-reference. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "@gpu-bridge/contract/errors";
import { bertscoreRequestSchema, BertscoreResponseSchema, type RequestLimits } from "@gpu-bridge/contract/schemas";
import { bertscoreTexts, scoreBertscore } from "../inference/bertscore.js";
import { pendingModel } from "../jobs.js";
import { requestLimits } from "../limits.js";
import { describeLangModels, resolveModel } from "../models.js";
import { DEFAULT_LANG } from "@gpu-bridge/contract/model-contract";
import { withUpstreamSlot, type Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, jsonRequest, POST_ERRORS, SECURITY } from "./openapi-helpers.js";

const bertscoreRoute = (limits: RequestLimits) =>
  createRoute({
    method: "post",
    path: "/bertscore",
    tags: ["inference"],
    summary: "BERTScore",
    description:
      "bert_score 0.3.13 semantics, one pair at a time. `references[i]` may be a list: each score is the best over them. " +
      `Without \`model_type\`, \`lang\` other than en chooses the model as bert_score does (its \`lang2model\`: ${describeLangModels()}) ` +
      "where that model is served; en, and a language whose model is not served, get the configured default " +
      "(MODEL_BERTSCORE), as the original service answered every language. The response's `model` names the model " +
      "that scored.",
    security: SECURITY,
    request: jsonRequest(bertscoreRequestSchema(limits)),
    responses: {
      200: jsonContent(BertscoreResponseSchema, "Precision, recall and F1 per candidate"),
      ...errorResponses("length_mismatch", "no_rescale_baseline", ...POST_ERRORS),
    },
  });

export function registerBertscore(app: OpenAPIHono<AppEnv>, services: Services): void {
  const { config } = services;
  app.openapi(bertscoreRoute(requestLimits(config)), async (c) => {
    const body = c.req.valid("json");
    const references = body.references.map((r) => (typeof r === "string" ? [r] : r));
    if (body.candidates.length !== references.length) {
      throw new ApiError(
        "length_mismatch",
        `candidates and references must have equal length (${body.candidates.length} vs ${references.length})`,
      );
    }
    const signal = c.req.raw.signal;
    const lang = body.lang || DEFAULT_LANG;
    const job = {
      id: c.get("requestId"),
      type: "bertscore" as const,
      items: body.candidates.length,
      texts: bertscoreTexts(references),
      model: pendingModel(body.model_type, config.MODEL_BERTSCORE),
    };
    const { choice, scores } = await withUpstreamSlot(services, signal, job, async (upstream, active, callSignal) => {
      const choice = await resolveModel(upstream, "bertscore", body.model_type, config.MODEL_BERTSCORE, lang);
      active.model = choice.name;
      const scores = await scoreBertscore(
        upstream.client,
        choice.model.served,
        {
          candidates: body.candidates,
          references,
          lang,
          idf: body.idf,
          rescaleWithBaseline: body.rescale_with_baseline,
          useFastTokenizer: body.use_fast_tokenizer,
        },
        { binary: config.UPSTREAM_BINARY, maxBatchSize: choice.model.maxBatchSize, ...(callSignal ? { signal: callSignal } : {}) },
      );
      return { choice, scores };
    });
    const { precision, recall, f1, hash } = scores;
    return c.json({ precision, recall, f1, model: choice.name, hash }, 200);
  });
}
