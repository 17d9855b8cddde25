"""A full-size roberta-large encoder cut at layer 17 with seeded random weights, for benchmarks only."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch
from transformers import RobertaConfig, RobertaModel

from gpu_bridge_export.baseline import bert_score_baseline_path
from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.encoder_export import ExportOptions, export_encoder
from gpu_bridge_export.fixtures.tiny_tokenizers import write_roberta_tokenizer

ROBERTA_LARGE = {
    "vocab_size": 50265,
    "hidden_size": 1024,
    "num_attention_heads": 16,
    "intermediate_size": 4096,
    "max_position_embeddings": 514,
    "type_vocab_size": 1,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "layer_norm_eps": 1e-5,
}


def export_random_roberta_large(repository: Path, options: ExportOptions, *, assets: Path, seed: int = 0) -> Path:
    spec = CATALOG["roberta-large"].spec
    vocab = json.loads((assets / "roberta" / "vocab.json").read_text(encoding="utf-8"))
    merges = [
        line
        for line in (assets / "roberta" / "merges.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch)
        write_roberta_tokenizer(model_dir, vocab, merges)
        torch.manual_seed(seed)
        config = RobertaConfig(num_hidden_layers=spec.num_layers, **ROBERTA_LARGE)
        RobertaModel(config, add_pooling_layer=False).eval().save_pretrained(str(model_dir))
        return export_encoder(spec, model_dir, repository, options, baseline=bert_score_baseline_path("roberta-large"))
