"""The graph surgery (onnx alone) on ONNX files made as the hub's are (Optimum's exporter) equals the project's torch
export: the committed fixture encoders (the torch export behind the goldens), real all-MiniLM-L6-v2, and the catalog's
cut of roberta-large at 17 layers on a RoBERTa of its 24."""

from __future__ import annotations

import re

import numpy as np
import onnx
import pytest
from encoder_io import TEXTS, batch, io_signature, max_differences, run
from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.encoder_export import ExportOptions, export_encoder
from gpu_bridge_export.hub_onnx.graph_surgery import (
    SurgeryError,
    count_layers,
    to_contract_encoder,
)
from paths import FIXTURE_REPOSITORY

TOLERANCE = 1e-5


def weight_count(model: onnx.ModelProto) -> int:
    """Float weights in the initializers (shape constants left out)."""
    return sum(int(np.prod(i.dims)) for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT)


def surgery(onnx_file, *, hidden_size, num_layers, sentence_embedding):
    encoder = to_contract_encoder(onnx.load(str(onnx_file)), hidden_size=hidden_size, num_layers=num_layers,
                                  sentence_embedding=sentence_embedding)
    onnx.checker.check_model(encoder, full_check=True)
    return encoder


@pytest.mark.parametrize(
    ("hub_export", "fixture", "num_layers", "sentence_embedding"),
    [
        ("tiny-bert", "tiny-bert", None, True),
        ("tiny-bert-opset11", "tiny-bert", None, True),
        ("tiny-roberta-fill-mask", "tiny-roberta", 2, False),
        ("tiny-roberta-opset14", "tiny-roberta", 2, False),
    ],
)
def test_equals_the_committed_torch_export(hub_repos, hub_export, fixture, num_layers, sentence_embedding):
    onnx_file = next(hub_repos[hub_export].rglob("*.onnx"))
    encoder = surgery(onnx_file, hidden_size=32, num_layers=num_layers, sentence_embedding=sentence_embedding)
    reference = FIXTURE_REPOSITORY / fixture / "1" / "model.onnx"
    assert io_signature(encoder) == io_signature(reference)
    ids, mask = batch(FIXTURE_REPOSITORY / fixture / "1" / "tokenizer.json", TEXTS)
    differences = max_differences(run(encoder, ids, mask), run(reference, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def test_real_minilm_equals_the_torch_export(hub_repos, model_dirs, tmp_path):
    entry = CATALOG["all-MiniLM-L6-v2"]
    torch_export = export_encoder(entry.spec, model_dirs["minilm"], tmp_path, ExportOptions()) / "1" / "model.onnx"
    encoder = surgery(hub_repos["all-MiniLM-L6-v2"] / entry.hub_onnx_file, hidden_size=384, num_layers=None,
                      sentence_embedding=True)
    assert io_signature(encoder) == io_signature(torch_export)
    ids, mask = batch(model_dirs["minilm"] / "tokenizer.json", TEXTS)
    differences = max_differences(run(encoder, ids, mask), run(torch_export, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def test_roberta_large_cut_at_17_of_24_layers_equals_the_torch_export(hub_repos, model_dirs, tmp_path):
    entry = CATALOG["roberta-large"]
    hub_file = hub_repos["roberta-large"] / entry.hub_onnx_file
    assert count_layers(onnx.load(str(hub_file))) == 24
    torch_export = export_encoder(entry.spec, model_dirs["roberta-24"], tmp_path, ExportOptions()) / "1" / "model.onnx"
    encoder = surgery(hub_file, hidden_size=32, num_layers=17, sentence_embedding=False)
    assert io_signature(encoder) == io_signature(torch_export)
    layers_of_weights = {int(m[1]) for i in encoder.graph.initializer if (m := re.search(r"layer\.(\d+)\.", i.name))}
    layers_of_nodes = {int(m[1]) for n in encoder.graph.node if (m := re.search(r"/layer\.(\d+)/", n.name))}
    assert layers_of_nodes == set(range(17)) and layers_of_weights <= set(range(17)), (layers_of_nodes, layers_of_weights)
    # the weights of layers 18..24 and of the fill-mask head are gone: as many as the torch export's remain
    assert weight_count(encoder) == weight_count(onnx.load(str(torch_export))) < weight_count(onnx.load(str(hub_file)))
    ids, mask = batch(model_dirs["roberta-24"] / "tokenizer.json", TEXTS, max_length=512)
    expected = run(torch_export, ids, mask)
    differences = max_differences(run(encoder, ids, mask), expected, mask)
    assert max(differences.values()) <= TOLERANCE, differences
    uncut = surgery(hub_file, hidden_size=32, num_layers=None, sentence_embedding=False)
    assert max(max_differences(run(uncut, ids, mask), expected, mask).values()) > 1e-2, "the cut must matter"


def test_refuses_more_layers_than_the_model_has(hub_repos):
    with pytest.raises(SurgeryError, match="cannot keep 4 layers of a model with 3"):
        surgery(hub_repos["tiny-roberta-fill-mask"] / "model.onnx", hidden_size=32, num_layers=4,
                sentence_embedding=False)


def strip_names(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every node and intermediate tensor renamed to a meaningless one, as an exporter without scopes leaves them."""
    keep = {i.name for i in model.graph.input} | {o.name for o in model.graph.output} | {
        i.name for i in model.graph.initializer}
    renamed: dict[str, str] = {}
    for index, node in enumerate(model.graph.node):
        node.name = f"node_{index}"
        for i, name in enumerate(node.output):
            if name not in keep:
                renamed[name] = node.output[i] = f"t{len(renamed)}"
        node.input[:] = [renamed.get(name, name) for name in node.input]
    for value in model.graph.value_info:
        value.name = renamed.get(value.name, value.name)
    return model


@pytest.mark.parametrize(
    ("hub_export", "fixture", "num_layers", "sentence_embedding"),
    [
        ("tiny-bert", "tiny-bert", None, True),  # LayerNormalization operators (opset 17)
        ("tiny-roberta-fill-mask", "tiny-roberta", 2, False),  # decomposed LayerNorms (opset 11), a head to cut off
    ],
)
def test_finds_the_layers_by_structure_when_no_name_says_them(hub_repos, hub_export, fixture, num_layers,
                                                              sentence_embedding):
    model = strip_names(onnx.load(str(next(hub_repos[hub_export].rglob("*.onnx")))))
    assert not [n for n in model.graph.node if "layer." in n.name]
    encoder = to_contract_encoder(model, hidden_size=32, num_layers=num_layers, sentence_embedding=sentence_embedding)
    onnx.checker.check_model(encoder, full_check=True)
    reference = FIXTURE_REPOSITORY / fixture / "1" / "model.onnx"
    ids, mask = batch(FIXTURE_REPOSITORY / fixture / "1" / "tokenizer.json", TEXTS)
    differences = max_differences(run(encoder, ids, mask), run(reference, ids, mask), mask)
    assert max(differences.values()) <= TOLERANCE, differences


def test_names_that_disagree_with_the_structure_stop_the_surgery(hub_repos):
    model = onnx.load(str(hub_repos["tiny-roberta-fill-mask"] / "model.onnx"))
    for node in model.graph.node:  # the names of layers 1 and 2 swapped
        node.name = re.sub(r"/layer\.([12])/", lambda m: f"/layer.{3 - int(m[1])}/", node.name)
    with pytest.raises(SurgeryError, match=r"layer 2 hands on \S+ by its node names, \S+ by structure: not cut"):
        to_contract_encoder(model, hidden_size=32, num_layers=2, sentence_embedding=False)


def test_refuses_a_graph_without_the_encoder_structure(hub_repos):
    model = onnx.load(str(hub_repos["tiny-bert"] / "onnx" / "model.onnx"))
    norms = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    assert len(norms) == 1 + 2 * 3
    norms[-1].op_type = "Identity"  # the last layer's LayerNorm gone: the chain ends half-way through a layer
    del norms[-1].input[1:]
    del norms[-1].attribute[:]
    with pytest.raises(SurgeryError, match="the chain of residual LayerNorms from the embeddings has 6"):
        to_contract_encoder(model, hidden_size=32, num_layers=None, sentence_embedding=True)


def test_refuses_inputs_the_contract_cannot_feed(hub_repos):
    model = onnx.load(str(hub_repos["tiny-bert"] / "onnx" / "model.onnx"))
    model.graph.input.append(onnx.helper.make_tensor_value_info("position_ids", onnx.TensorProto.INT64, ["b", "s"]))
    with pytest.raises(SurgeryError, match=r"inputs the contract cannot feed: \['position_ids'\]"):
        to_contract_encoder(model, hidden_size=32, num_layers=None, sentence_embedding=True)
