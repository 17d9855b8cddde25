/**
 * The plugin's configuration (`plugins.entries.gpu-bridge.config`): one zod schema, from which the manifest's JSON
 * Schema is generated (scripts/write-manifest.ts) and with which `register` reads `api.pluginConfig`.
 */
import { z } from "zod";

export const DEFAULT_TIMEOUT_SECONDS = 45;

export const PluginConfigSchema = z
  .object({
    serviceUrl: z
      .url({
        protocol: /^https?$/,
        error: (issue) =>
          issue.input === undefined
            ? "serviceUrl is required (the GPU Bridge proxy's base URL, e.g. http://gpu-box:8765)"
            : "serviceUrl must be an http(s) URL, e.g. http://gpu-box:8765",
      })
      .meta({ description: "Base URL of the GPU Bridge proxy, e.g. http://gpu-box:8765" }),
    apiKey: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "The proxy's API_KEY, sent as X-API-Key (leave unset when the proxy has none)" }),
    timeout: z
      .number()
      .positive()
      .max(3600)
      .default(DEFAULT_TIMEOUT_SECONDS)
      .meta({ description: "Total seconds one tool call may take, retries included" }),
    models: z
      .object({
        embed: z
          .string()
          .min(1)
          .optional()
          .meta({ description: "Model gpu_embed asks for when the call names none; unset: the proxy's MODEL_EMBED" }),
        bertscore: z
          .string()
          .min(1)
          .optional()
          .meta({ description: "Model gpu_bertscore asks for when the call names none; unset: the proxy's MODEL_BERTSCORE" }),
      })
      .strict()
      .default({}),
  })
  .strict();

export type PluginConfig = z.output<typeof PluginConfigSchema>;

export type ConfigResult = { ok: true; config: PluginConfig } | { ok: false; problem: string };

/** Reads `api.pluginConfig`; never throws, so a missing or bad config surfaces when a tool runs, not at load. */
export function readPluginConfig(raw: unknown, pluginId: string): ConfigResult {
  const parsed = PluginConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return {
    ok: false,
    problem: `GPU Bridge plugin is not configured correctly (plugins.entries.${pluginId}.config): ${issues.join("; ")}`,
  };
}

/** JSON Schema of the config for openclaw.plugin.json. */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(PluginConfigSchema, { io: "input" });
  return schema;
}
