"""An export target becomes a complete repository: committed python models copied, encoders left to the export."""

from pathlib import Path

from gpu_bridge_export.encoder_export import (
    EncoderSpec,
    ExportOptions,
    export_encoder,
    export_is_current,
)
from gpu_bridge_export.repository_template import copy_committed_models

TEMPLATE = Path(__file__).resolve().parents[2] / "triton-models"


def test_copies_committed_files_resolving_symlinks(tmp_path):
    copied = copy_committed_models(TEMPLATE, tmp_path, skip={"all-MiniLM-L6-v2", "roberta-large"})
    assert copied == ["bertscore", "bertscore-all-MiniLM-L6-v2", "device_info", "embed"]
    shared = tmp_path / "bertscore-all-MiniLM-L6-v2" / "1" / "model.py"
    assert not shared.is_symlink()
    assert shared.read_text() == (TEMPLATE / "bertscore" / "1" / "model.py").read_text()
    assert not (tmp_path / "roberta-large").exists()
    # the modules and data the models import from the repository root
    for name in ("bert_score_tokenizer.py", "bert_score_unicode.json"):
        assert (tmp_path / name).read_bytes() == (TEMPLATE / name).read_bytes()
    assert copy_committed_models(TEMPLATE, TEMPLATE) == []


def test_export_is_current_only_for_the_same_options(tmp_path, tiny_hf):
    spec = EncoderSpec("tiny", 2, sentence_embedding=False)
    options = ExportOptions(instance_kind="KIND_CPU")
    assert not export_is_current(tmp_path, spec, options, "src")
    export_encoder(spec, tiny_hf / "tiny-roberta", tmp_path, options, source="src")
    assert export_is_current(tmp_path, spec, options, "src")
    assert not export_is_current(tmp_path, spec, ExportOptions(instance_kind="KIND_GPU"), "src")
    assert not export_is_current(tmp_path, spec, options, "other-source")
    assert not export_is_current(tmp_path, EncoderSpec("tiny", 3, False), options, "src")
    (tmp_path / "tiny" / "1" / "model.onnx").unlink()
    assert not export_is_current(tmp_path, spec, options, "src")
