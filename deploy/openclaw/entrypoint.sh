#!/bin/sh
# Starts an OpenClaw gateway with the GPU Bridge plugin pointed at a GPU Bridge proxy. Runs on every container start
# and is idempotent: links the plugin (OpenClaw's own install command), writes its config, enables it, then
# replaces itself with the gateway.
#   GPU_BRIDGE_URL          the proxy's base URL (required), e.g. http://proxy:8765
#   GPU_BRIDGE_API_KEY      the proxy's API_KEY; stored as "${GPU_BRIDGE_API_KEY}" so OpenClaw reads it from the
#                           environment and the key never lands in the config file
#   OPENCLAW_GATEWAY_TOKEN  the gateway's bearer token (required)
set -eu
: "${GPU_BRIDGE_URL:?set GPU_BRIDGE_URL to the GPU Bridge proxy URL}"
: "${OPENCLAW_GATEWAY_TOKEN:?set OPENCLAW_GATEWAY_TOKEN (e.g. openssl rand -hex 32)}"
plugin_dir="${GPU_BRIDGE_PLUGIN_DIR:-/opt/gpu-bridge/plugin}"

openclaw plugins install -l "$plugin_dir" --force --accept-capabilities
config=$(node -e '
  const config = { serviceUrl: process.env.GPU_BRIDGE_URL };
  if (process.env.GPU_BRIDGE_API_KEY) config.apiKey = "${GPU_BRIDGE_API_KEY}";
  process.stdout.write(JSON.stringify(config));
')
openclaw config set plugins.entries.gpu-bridge.config "$config" --strict-json
openclaw plugins enable gpu-bridge

exec openclaw gateway run --allow-unconfigured --bind "${OPENCLAW_GATEWAY_BIND:-lan}" \
  --auth token --token "$OPENCLAW_GATEWAY_TOKEN" --port "${OPENCLAW_GATEWAY_PORT:-18789}"
