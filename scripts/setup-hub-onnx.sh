#!/usr/bin/env bash
# The Python environments of the hub-ONNX route (export-scripts' gpu_bridge_export.hub_onnx), under .cache/:
#   onnx-surgery/  the graph surgery's and the torch-free builder's: onnx, numpy, safetensors, tokenizers and
#                  bert_score's baseline files, never torch (export-scripts/requirements-hub-onnx.txt); the quick
#                  start makes only this one
#   optimum/       with --with-optimum, for the tests: Optimum's ONNX exporter, which makes the hub's ONNX files for
#                  the loopback hub (test/hub/requirements-optimum.txt); a venv of the project .venv's Python whose
#                  .pth appends the project's site-packages (torch, onnxruntime) after its own transformers 4.57
# Idempotent: each venv is redone only when its requirements file changed. PYTHON names the interpreter of
# onnx-surgery (default python3, 3.11 or later); PIP_FLAGS are added to its pip install (the quick start: no cache).
set -euo pipefail
cd "$(dirname "$0")/.."

SURGERY=.cache/onnx-surgery
OPTIMUM=.cache/optimum

# make_venv DIR PYTHON REQUIREMENTS [PIP FLAGS...]: DIR/requirements.txt records what was installed
make_venv() {
  local dir=$1 python=$2 requirements=$3
  shift 3
  if cmp -s "$requirements" "$dir/requirements.txt" && [ -x "$dir/bin/python" ]; then return 0; fi
  rm -rf "$dir"
  "$python" -m venv "$dir"
  echo "setup-hub-onnx: installing $requirements into $dir"
  # not quiet: pip names each package as it downloads it, so that a slow mirror never looks like a hang
  "$dir/bin/pip" install --disable-pip-version-check "$@" -r "$requirements"
  cp "$requirements" "$dir/requirements.txt"
}

python=${PYTHON:-python3}
if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup-hub-onnx: $python must be Python 3.11 or later with venv and ensurepip (Debian: apt-get install python3-venv)" >&2
  exit 1
fi
# shellcheck disable=SC2086
make_venv "$SURGERY" "$python" export-scripts/requirements-hub-onnx.txt --no-deps ${PIP_FLAGS:-}
"$SURGERY/bin/python" - <<'PY'
import importlib.util
import onnx, numpy, safetensors, tokenizers  # noqa: F401
assert importlib.util.find_spec("torch") is None, "the surgery's environment must not hold torch"
PY

if [ "${1:-}" = "--with-optimum" ]; then
  site_packages=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if ! cmp -s test/hub/requirements-optimum.txt "$OPTIMUM/requirements.txt" || [ ! -x "$OPTIMUM/bin/python" ]; then
    rm -rf "$OPTIMUM"
    .venv/bin/python -m venv "$OPTIMUM"
    # written before the install, so that pip takes the project's torch as installed rather than fetching another
    echo "$site_packages" > "$OPTIMUM/lib/python$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')/site-packages/zz-gpu-bridge-project.pth"
    # pip reports the project's packages that want transformers 5 as conflicts; they are never imported here
    if ! log=$("$OPTIMUM/bin/pip" install -q --disable-pip-version-check -r test/hub/requirements-optimum.txt 2>&1); then
      echo "$log" >&2
      exit 1
    fi
    cp test/hub/requirements-optimum.txt "$OPTIMUM/requirements.txt"
  fi
  "$OPTIMUM/bin/python" -c "import optimum.exporters.onnx, torch, transformers; assert transformers.__version__.startswith('4.57')"
fi
