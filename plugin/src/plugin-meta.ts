/** Identity of the plugin, shared by the runtime entry and the generated openclaw.plugin.json. */
export const PLUGIN_ID = "gpu-bridge";
export const PLUGIN_NAME = "GPU Bridge";
export const PLUGIN_DESCRIPTION =
  "BERTScore and text embeddings computed on a GPU box: gpu_health, gpu_info, gpu_status, gpu_bertscore, " +
  "gpu_embed through a GPU Bridge proxy";
