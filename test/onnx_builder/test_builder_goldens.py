"""The goldens hold unchanged on encoders made by the torch-free builder: the fixture repository with its tiny-bert and
tiny-roberta encoders replaced by build_encoder's, from the fixtures' model.safetensors, under the real model.py files.
The golden checks are the hub-ONNX suite's own, run here on this module's `repository` (one definition of them)."""

from __future__ import annotations

import json
import shutil

import pytest
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.onnx_builder.write import build_encoder
from paths import FIXTURE_REPOSITORY, FIXTURES
from test_hub_onnx_goldens import test_bertscore_goldens, test_embed_goldens  # noqa: F401  (collected here)


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    repository = tmp_path_factory.mktemp("built-repository")
    shutil.copytree(FIXTURE_REPOSITORY, repository, dirs_exist_ok=True)
    for name in ("tiny-bert", "tiny-roberta"):
        shutil.rmtree(repository / name)
    build_encoder(EncoderSpec("tiny-bert", None, sentence_embedding=True), FIXTURES / "hf" / "tiny-bert", repository,
                  source="tiny-bert@safetensors", instance_kind="KIND_CPU")
    build_encoder(EncoderSpec("tiny-roberta", 2, sentence_embedding=False), FIXTURES / "hf" / "tiny-roberta",
                  repository, source="tiny-roberta@safetensors", baseline=FIXTURES / "hf" / "tiny-roberta-baseline-en.tsv",
                  instance_kind="KIND_CPU")
    return repository


def test_the_builder_wrote_the_encoders(repository):
    for name in ("tiny-bert", "tiny-roberta"):
        info = json.loads((repository / name / "1" / "export-info.json").read_text())
        assert info["source"] == f"{name}@safetensors" and "built from safetensors" in info["format"]
        assert (repository / name / "config.pbtxt").read_text() == (FIXTURE_REPOSITORY / name / "config.pbtxt").read_text()
        written = json.loads((repository / name / "1" / "tokenizer.json").read_text())
        assert written["truncation"] is None and written["padding"] is None
