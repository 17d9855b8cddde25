"""random-roberta-large: the benchmark encoder's code path, shrunk to tiny widths (layer count and files real)."""

import json
from pathlib import Path

import onnxruntime as ort
from gpu_bridge_export import random_roberta
from gpu_bridge_export.encoder_export import ExportOptions

ASSETS = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "tokenizers"


def test_writes_a_layer_17_encoder_with_roberta_tokenizer_and_baseline(tmp_path, monkeypatch):
    monkeypatch.setitem(random_roberta.ROBERTA_LARGE, "hidden_size", 16)
    monkeypatch.setitem(random_roberta.ROBERTA_LARGE, "num_attention_heads", 2)
    monkeypatch.setitem(random_roberta.ROBERTA_LARGE, "intermediate_size", 32)
    target = random_roberta.export_random_roberta_large(tmp_path, ExportOptions(), assets=ASSETS, seed=3)
    version = target / "1"
    assert target.name == "roberta-large"
    assert json.loads((version / "export-info.json").read_text())["num_layers"] == 17
    assert (version / "baseline.tsv").read_text().startswith("LAYER,P,R,F")
    tokenizer = json.loads((version / "tokenizer.json").read_text())
    assert len(tokenizer["model"]["vocab"]) >= 50262
    session = ort.InferenceSession(str(version / "model.onnx"))
    (hidden,) = session.run(None, {"input_ids": [[0, 20920, 232, 2]], "attention_mask": [[1, 1, 1, 1]]})
    assert hidden.shape == (1, 4, 16)
