#!/usr/bin/env bash
# OpenClaw end to end: installs a real Node 24 and OpenClaw (pinned) into .cache/openclaw once, builds the plugin,
# then runs the node:test suite that drives the real `openclaw` CLI and Gateway against the real proxy.
# --measure: instead, measures the tool results in the model's context (test/openclaw/measure-context.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."

source test/openclaw/install-openclaw.sh

(cd plugin && npx tsup --silent)

export OPENCLAW_E2E_NODE="$PWD/$NODE_BIN/node"
export OPENCLAW_E2E_ENTRY="$PWD/$OPENCLAW_DIR/node_modules/openclaw/openclaw.mjs"
if [ "${1:-}" = "--measure" ]; then exec node --import tsx test/openclaw/measure-context.ts; fi
exec node --import tsx --test test/openclaw/plugin.e2e.test.ts
