"""An export target becomes a complete repository: committed python models copied, encoders left to the export."""

import json
from pathlib import Path

import transformers
from gpu_bridge_export.encoder_export import (
    EncoderSpec,
    ExportOptions,
    export_encoder,
    export_is_current,
)
from gpu_bridge_export.repository_template import copy_committed_models

TEMPLATE = Path(__file__).resolve().parents[2] / "triton-models"


def test_copies_committed_files_and_the_shared_modules(tmp_path):
    copied = copy_committed_models(TEMPLATE, tmp_path, skip={"all-MiniLM-L6-v2", "roberta-large"})
    assert copied == ["bertscore", "bertscore-all-MiniLM-L6-v2", "device_info", "embed"]
    for model in copied:
        model_py = tmp_path / model / "1" / "model.py"
        assert not model_py.is_symlink()
        assert model_py.read_text() == (TEMPLATE / model / "1" / "model.py").read_text()
    modules = sorted(p.name for p in tmp_path.glob("*.py"))
    assert modules == sorted(p.name for p in TEMPLATE.glob("*.py"))
    assert {"bertscore_model.py", "text_model_common.py"} <= set(modules)
    assert not (tmp_path / "roberta-large").exists()
    # the modules and data the models import from the repository root
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(p.name for p in TEMPLATE.glob("*.json"))
    for name in ("bert_score_tokenizer.py", "bert_score_unicode.json", "bert_score_reference.json"):
        assert (tmp_path / name).read_bytes() == (TEMPLATE / name).read_bytes()
    assert copy_committed_models(TEMPLATE, TEMPLATE) == []


def test_the_committed_repository_has_no_symlinks():
    links = [str(p.relative_to(TEMPLATE)) for p in TEMPLATE.rglob("*") if p.is_symlink()]
    assert links == []


def test_export_is_current_only_for_the_same_options(tmp_path, tiny_hf):
    spec = EncoderSpec("tiny", 2, sentence_embedding=False)
    options = ExportOptions(instance_kind="KIND_CPU")
    assert not export_is_current(tmp_path, spec, options, "src")
    export_encoder(spec, tiny_hf / "tiny-roberta", tmp_path, options, source="src")
    assert export_is_current(tmp_path, spec, options, "src")
    assert not export_is_current(tmp_path, spec, ExportOptions(instance_kind="KIND_GPU"), "src")
    assert not export_is_current(tmp_path, spec, options, "other-source")
    assert not export_is_current(tmp_path, EncoderSpec("tiny", 3, False), options, "src")
    info = json.loads((tmp_path / "tiny" / "1" / "export-info.json").read_text())
    assert info["transformers_version"] == transformers.__version__
    (tmp_path / "tiny" / "1" / "model.onnx").unlink()
    assert not export_is_current(tmp_path, spec, options, "src")
