/** openclaw.plugin.json, generated from the config schema and the tool list so the two cannot drift. */
import { configJsonSchema } from "./config.js";
import { LEGACY_PLUGIN_ID } from "./legacy-config.js";
import { PLUGIN_DESCRIPTION, PLUGIN_ID, PLUGIN_NAME } from "./plugin-meta.js";
import { TOOL_NAMES } from "./tools.js";

export function buildManifest(version: string): Record<string, unknown> {
  return {
    id: PLUGIN_ID,
    name: PLUGIN_NAME,
    description: PLUGIN_DESCRIPTION,
    version,
    legacyPluginIds: [LEGACY_PLUGIN_ID],
    doctorContract: { configRepair: true },
    activation: { onStartup: false },
    contracts: { tools: [...TOOL_NAMES] },
    configSchema: configJsonSchema(),
    uiHints: {
      serviceUrl: { label: "Proxy URL", placeholder: "http://gpu-box:8765" },
      apiKey: { label: "API key", sensitive: true },
      timeout: { label: "Timeout (seconds)" },
      "models.embed": { label: "Default embedding model" },
      "models.bertscore": { label: "Default BERTScore model" },
    },
  };
}
