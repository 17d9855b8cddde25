/** The texts' embeddings for a request to /embed or /v1/embeddings: the model it names, else the configured one. */
import { embedTexts, type Embeddings } from "./inference/embed.js";
import { pendingModel } from "./jobs.js";
import { resolveModel, type ModelChoice } from "./models.js";
import { withUpstreamSlot, type Services } from "./services.js";

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
