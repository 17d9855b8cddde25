"""Hub repositories for the hub-ONNX route's suites, each made once per session: model folders plus the ONNX export
the hub publishes beside them, made by Optimum's exporter (.cache/optimum, scripts/setup-hub-onnx.sh)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "test" / "python"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hub_env import OPTIMUM_PYTHON

TINY = ROOT / "test" / "fixtures" / "hf"
ROBERTA_LARGE_STAND_IN_LAYERS = 24  # roberta-large's, so that the catalog's cut at 17 drops seven

# name: (model folder, where the hub keeps the ONNX file, task, opset (None: Optimum's default), attention)
HUB_EXPORTS = {
    # today's sentence-transformers/all-MiniLM-L6-v2: onnx/model.onnx from its ONNX backend export (#83)
    "all-MiniLM-L6-v2": ("minilm", "onnx/model.onnx", "feature-extraction", None, "sdpa"),
    # FacebookAI/roberta-large's model.onnx came in 2023 (#3): a fill-mask export of transformers before SDPA
    "roberta-large": ("roberta-24", "model.onnx", "fill-mask", 11, "eager"),
    "tiny-bert": ("tiny-bert", "onnx/model.onnx", "feature-extraction", None, "sdpa"),
    "tiny-bert-opset11": ("tiny-bert", "onnx/model.onnx", "feature-extraction", 11, "eager"),
    "tiny-roberta-fill-mask": ("tiny-roberta", "model.onnx", "fill-mask", 11, "eager"),
    "tiny-roberta-opset14": ("tiny-roberta", "model.onnx", "feature-extraction", 14, "sdpa"),
}


def build_roberta_stand_in(directory: Path) -> Path:
    """A seeded RoBERTa with roberta-large's 24 layers at the tiny fixture's width, and the fixture's tokenizer."""
    import torch
    from gpu_bridge_export.fixtures import tiny_models
    from transformers import RobertaConfig, RobertaModel

    directory.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt"):
        shutil.copyfile(TINY / "tiny-roberta" / name, directory / name)
    base = json.loads((TINY / "tiny-roberta" / "config.json").read_text())
    config = RobertaConfig(**{**base, "num_hidden_layers": ROBERTA_LARGE_STAND_IN_LAYERS})
    torch.manual_seed(tiny_models.SEED + 24)
    RobertaModel(config, add_pooling_layer=False).eval().save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="session")
def model_dirs(tmp_path_factory) -> dict[str, Path]:
    from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

    return {
        "minilm": pypi_minilm_dir(),
        "roberta-24": build_roberta_stand_in(tmp_path_factory.mktemp("models") / "roberta-24"),
        "tiny-bert": TINY / "tiny-bert",
        "tiny-roberta": TINY / "tiny-roberta",
    }


@pytest.fixture(scope="session")
def hub_repos(tmp_path_factory, model_dirs) -> dict[str, Path]:
    """name -> a folder holding the hub repository's files, the Optimum-made ONNX export among them."""
    if not OPTIMUM_PYTHON.exists():
        pytest.fail("Optimum's exporter is not installed: run `npm run setup` (scripts/setup-hub-onnx.sh)")
    root = tmp_path_factory.mktemp("hub")
    specs = [
        {"model_dir": str(model_dirs[folder]), "repo_dir": str(root / name), "onnx_file": onnx_file, "task": task,
         "opset": opset, "attention": attention}
        for name, (folder, onnx_file, task, opset, attention) in HUB_EXPORTS.items()
    ]
    spec_file = root / "spec.json"
    spec_file.write_text(json.dumps(specs))
    made = subprocess.run([str(OPTIMUM_PYTHON), str(HERE / "make_hub_repos.py"), str(spec_file)],
                          check=False, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if made.returncode != 0:
        pytest.fail(f"Optimum's export failed:\n{made.stderr[-6000:]}")
    return {name: root / name for name in HUB_EXPORTS}
