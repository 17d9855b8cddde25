"""fetch-models' CLI as the quick start runs it, against a loopback hub, for the hub suites."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hub_env import SURGERY_PYTHON
from paths import ROOT, TRITON_MODELS

MINILM, ROBERTA = "sentence-transformers/all-MiniLM-L6-v2", "FacebookAI/roberta-large"
TSX = ROOT / "node_modules" / ".bin" / "tsx"
CLI = ROOT / "proxy" / "runtime" / "src" / "fetch-models-cli.ts"
GENERATED = ("*.onnx", "*.onnx.data", "tokenizer*.json", "export-info.json", "baseline*.tsv", "vocab*", "merges.txt")
# what the environment may hold that would change where or how the CLI connects
NETWORK_ENV = ("HF_TOKEN", "GPU_BRIDGE_MODELS_REPO", "PYTHONPATH", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
               "https_proxy", "NO_PROXY", "no_proxy")


def fetch_models(base_url: str, out: Path, cache: Path, *extra: str,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if not SURGERY_PYTHON.exists():
        pytest.fail("the graph surgery's Python is not installed: run `npm run setup` (scripts/setup-hub-onnx.sh)")
    command = [str(TSX), str(CLI), "--base-url", base_url, "--out", str(out), "--cache-dir", str(cache),
               "--python", str(SURGERY_PYTHON), *extra]
    run_env = {k: v for k, v in os.environ.items() if k not in NETWORK_ENV} | (env or {})
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=run_env)


def committed_repository(target: Path) -> Path:
    """triton-models/ as committed: configs and model.py files, none of the exported files."""
    shutil.copytree(TRITON_MODELS, target, ignore=shutil.ignore_patterns(*GENERATED, "__pycache__"))
    return target
