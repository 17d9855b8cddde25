#!/usr/bin/env bash
# The real Triton Inference Server of the test suites (test/triton), CPU only, into .cache/triton/:
#   server/  the tritonserver of PyPI's nvidia-pytriton wheel (pip caches the download), with the Python backend's
#            stub for Python 3.11 copied into backends/python/
#   python/  the models' Python: the stub embeds Debian's libpython3.11, so a venv of /usr/bin/python3.11 with
#            numpy<2 (numpy 2 breaks this stub's outputs) and tokenizers; a .pth appends the project .venv's
#            site-packages (torch, onnxruntime) after its own, so torch is not installed twice
# Idempotent; called by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTRITON_VERSION=0.7.0
HOME_DIR=.cache/triton
SERVER="$HOME_DIR/server"
MODELS_PYTHON="$HOME_DIR/python"

# Debian's python3.11, its shared library and venv (present on the CI image; installed where missing)
missing=()
[ -x /usr/bin/python3.11 ] || missing+=(python3.11)
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libpython3\.11\.so\.1\.0' || missing+=(libpython3.11)
/usr/bin/python3.11 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3.11-venv)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

project_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$project_version" != "3.11" ]; then
  echo "setup-triton: the project .venv is Python $project_version; the Triton models' venv borrows its packages and needs 3.11" >&2
  exit 1
fi

if [ "$(cat "$SERVER/VERSION" 2>/dev/null)" != "$PYTRITON_VERSION" ]; then
  rm -rf "$SERVER" "$HOME_DIR/wheel"
  .venv/bin/pip download -q --no-deps --only-binary=:all: -d "$HOME_DIR/wheel" "nvidia-pytriton==$PYTRITON_VERSION"
  # only the server and its libraries; zipfile keeps no file modes, so they are set from the archive
  .venv/bin/python - "$HOME_DIR"/wheel/nvidia_pytriton-*.whl "$SERVER" <<'PY'
import os
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    for info in wheel.infolist():
        if info.filename.startswith(("pytriton/tritonserver/", "nvidia_pytriton.libs/")):
            path = wheel.extract(info, sys.argv[2])
            if info.external_attr >> 16:
                os.chmod(path, (info.external_attr >> 16) & 0o777)
PY
  backends="$SERVER/pytriton/tritonserver/backends"
  cp "$SERVER/pytriton/tritonserver/python_backend_stubs/3.11/triton_python_backend_stub" "$backends/python/"
  chmod +x "$SERVER/pytriton/tritonserver/bin/tritonserver" "$backends/python/triton_python_backend_stub"
  rm -rf "$HOME_DIR/wheel"
  echo "$PYTRITON_VERSION" > "$SERVER/VERSION"
fi

if [ ! -x "$MODELS_PYTHON/bin/python3" ]; then
  /usr/bin/python3.11 -m venv "$MODELS_PYTHON"
fi
"$MODELS_PYTHON/bin/pip" install -q --disable-pip-version-check -r test/triton/requirements-models.txt
site_packages=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# the file name sorts after every other .pth: the project's packages come after the venv's own numpy
echo "$site_packages" > "$MODELS_PYTHON/lib/python3.11/site-packages/zz-gpu-bridge-project.pth"
"$MODELS_PYTHON/bin/python3" -c "import numpy, tokenizers, torch, onnxruntime; assert numpy.__version__ < '2'"
