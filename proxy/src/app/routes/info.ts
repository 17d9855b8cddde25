/** GET /info: device, VRAM, versions and the served models (the original service's fields and a few more). */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InfoResponseSchema, type InfoResponse } from "@gpu-bridge/contract/schemas";
import { defaultModel } from "../models.js";
import type { Services } from "../services.js";
import type { AppEnv } from "../types.js";
import { errorResponses, jsonContent, SECURITY } from "./openapi-helpers.js";

const route = createRoute({
  method: "get",
  path: "/info",
  tags: ["service"],
  summary: "Device, versions and served models",
  security: SECURITY,
  responses: {
    200: jsonContent(InfoResponseSchema, "Device and models"),
    ...errorResponses("unauthorized", "upstream_error", "upstream_unavailable", "upstream_timeout"),
  },
});

export function registerInfo(app: OpenAPIHono<AppEnv>, services: Services): void {
  const { config, pool, backend } = services;
  app.openapi(route, async (c) => {
    const body = await pool.run(async (upstream): Promise<InfoResponse> => {
      const [catalog, device, server] = await Promise.all([
        upstream.catalog.get(),
        upstream.deviceInfo.get(),
        upstream.serverMetadata.get(),
      ]);
      const embed = defaultModel(catalog, "embed", config.MODEL_EMBED);
      const bertscore = defaultModel(catalog, "bertscore", config.MODEL_BERTSCORE);
      const loaded = [...catalog.ofTask("bertscore"), ...catalog.ofTask("embed")].map((m) => `${m.task}:${m.publicName}`);
      return {
        device: device.device,
        device_name: device.deviceName,
        vram_total_mb: device.vramTotalMb,
        vram_used_mb: device.vramUsedMb,
        pytorch_version: device.torchVersion,
        cuda_version: device.cudaVersion,
        loaded_models: loaded,
        backend,
        server,
        runtime: device.runtime,
        embed_model: embed.model?.publicName ?? null,
        bertscore_model: bertscore.model?.publicName ?? null,
        notes: [embed.note, bertscore.note].filter((n): n is string => n !== undefined),
      };
    });
    return c.json(body, 200);
  });
}
