#!/usr/bin/env bash
# A Python environment for a bench peer, in .cache/<name>: a venv of .venv's interpreter with the peer's
# requirements, and a .pth that appends .venv's site-packages AFTER its own, so torch (and whatever else the peer
# shares with the project) is not installed twice while the peer's pinned versions win. Idempotent: reinstalls only
# when the requirements file changed.
#   scripts/setup-bench-peer.sh <name> <requirements file>
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
requirements=$2
env_dir=".cache/$name"

if [ ! -x "$env_dir/bin/python" ]; then
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$env_dir"
fi
# the .pth first: pip then sees torch as installed and does not fetch it
.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
  > "$("$env_dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz-gpu-bridge-venv.pth"
if ! cmp -s "$requirements" "$env_dir/requirements.txt"; then
  "$env_dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$env_dir/requirements.txt"
fi
