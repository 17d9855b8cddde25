/**
 * OpenClaw plugin entry (the shape `definePluginEntry` from `openclaw/plugin-sdk/plugin-entry` returns).
 * `register` only reads `api.pluginConfig` and `process.versions` and registers tools: no I/O, no timers, safe to
 * call more than once.
 */
import { ProxyClient } from "./client.js";
import { readPluginConfig } from "./config.js";
import { nodeVersionProblem } from "./node-version.js";
import type { PluginApi, PluginEntry } from "./openclaw-api.js";
import { PLUGIN_DESCRIPTION, PLUGIN_ID, PLUGIN_NAME } from "./plugin-meta.js";
import { createTools } from "./tools.js";

const entry: PluginEntry = {
  id: PLUGIN_ID,
  name: PLUGIN_NAME,
  description: PLUGIN_DESCRIPTION,
  register(api: PluginApi) {
    const pluginId = api.id || PLUGIN_ID;
    const node = nodeVersionProblem();
    if (node) api.logger.warn(node);
    const read = readPluginConfig(api.pluginConfig, pluginId);
    if (!read.ok) api.logger.warn(read.problem);
    const context = read.ok
      ? {
          config: read.config,
          client: new ProxyClient({
            serviceUrl: read.config.serviceUrl,
            apiKey: read.config.apiKey,
            configPath: `plugins.entries.${pluginId}.config`,
          }),
        }
      : { problem: read.problem };
    for (const tool of createTools(context)) api.registerTool(tool);
  },
};

export default entry;
