"""Turns a hub-published ONNX export of a BERT/RoBERTa model into the contract's encoder, with the onnx package alone.

Hub exports (Optimum's exporter, torch.onnx underneath) take input_ids, attention_mask and for BERT token_type_ids,
and answer last_hidden_state (feature extraction) or logits (fill-mask). The contract's encoder takes input_ids and
attention_mask, answers token_embeddings from the last kept layer and, for sentence models, sentence_embedding:
sentence-transformers' mean Pooling + Normalize, the same operators the torch export (encoder_modules) traces.

Layers are found by the graph's structure, whatever its node names: BERT and RoBERTa are post-LayerNorm encoders, so
from the embeddings' LayerNorm a chain of LayerNorms each over a residual Add of the previous one's output runs
through the encoder, two per layer (after attention, after the feed-forward block); the hidden state after layer N is
the chain's (2N+1)-th output. A LayerNorm is the LayerNormalization operator (opset 17 on) or the pattern torch.onnx
decomposes it into before (ReduceMean, Sub, ..., Div, Mul by the weight, Add of the bias). Where the nodes also carry
torch.onnx's scoped names (`/encoder/layer.3/...`, `/roberta/encoder/layer.16/...`, exporters of 2023 on), the
layer they name must hand on the same tensor, or the surgery stops: a disagreement is never resolved by guessing.
"""

from __future__ import annotations

import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUTS = ("input_ids", "attention_mask")
TOKEN_TYPE_IDS = "token_type_ids"
TOKEN_EMBEDDINGS = "token_embeddings"
SENTENCE_EMBEDDING = "sentence_embedding"
BATCH, SEQUENCE = "batch", "sequence"  # the torch export's axis names
MIN_OPSET = 11  # Clip takes its bounds as inputs from 11 on
MASK_EPS = 1e-9  # sentence-transformers' clamp of the token count
NORM_EPS = 1e-12  # torch.nn.functional.normalize's eps
LAYER_SCOPE = re.compile(r"(?:^|/)layer\.(\d+)/")
PREFIX = "gpu_bridge/"  # names of everything the surgery adds


class SurgeryError(ValueError):
    """The ONNX file is not an export this surgery understands; the message says what is missing."""


def default_opset(model: onnx.ModelProto) -> int:
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            return opset.version
    raise SurgeryError("the model imports no default-domain opset")


def layer_outputs(model: onnx.ModelProto) -> list[str]:
    """The hidden state after each encoder layer, found by structure (the module docstring): [layer 1, layer 2, ...]."""
    graph = model.graph
    norms = _layer_norms(graph)
    if not norms:
        raise SurgeryError("no LayerNorm in the graph: not a BERT/RoBERTa export")
    by_input: dict[str, list[str]] = {}
    for norm_input, norm_output in norms:
        by_input.setdefault(norm_input, []).append(norm_output)
    residual_adds = [node for node in graph.node if node.op_type == "Add"]
    chain = [norms[0][1]]  # the embeddings' LayerNorm comes first in the graph's (topological) order
    while True:
        following = [out for add in residual_adds if chain[-1] in add.input for out in by_input.get(add.output[0], [])]
        if len(following) > 1:
            raise SurgeryError(f"{chain[-1]} feeds {len(following)} residual LayerNorms, expected one")
        if not following:
            break
        chain.append(following[0])
    if len(chain) < 3 or len(chain) % 2 == 0:
        raise SurgeryError(
            f"the chain of residual LayerNorms from the embeddings has {len(chain)} (expected 1 + 2 per layer):"
            " not a BERT/RoBERTa export"
        )
    return chain[2::2]


def _layer_norms(graph: onnx.GraphProto) -> list[tuple[str, str]]:
    """(input, output) of each LayerNorm, operator or decomposed, in graph order."""
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def only(tensor: str, op_type: str) -> onnx.NodeProto | None:
        found = [n for n in consumers.get(tensor, []) if n.op_type == op_type]
        return found[0] if len(found) == 1 else None

    norms = []
    for node in graph.node:
        if node.op_type == "LayerNormalization":
            norms.append((node.input[0], node.output[0]))
        elif node.op_type == "ReduceMean":
            # x - mean(x), divided by the deviation, times the weight, plus the bias
            x = node.input[0]
            sub = next((n for n in consumers.get(node.output[0], []) if n.op_type == "Sub" and n.input[0] == x), None)
            div = sub and next((n for n in consumers.get(sub.output[0], []) if n.op_type == "Div"), None)
            mul = div and only(div.output[0], "Mul")
            add = mul and only(mul.output[0], "Add")
            if add is not None:
                norms.append((x, add.output[0]))
    return norms


def count_layers(model: onnx.ModelProto) -> int:
    return len(layer_outputs(model))


def _named_layers(model: onnx.ModelProto) -> set[int]:
    return {int(m.group(1)) for node in model.graph.node if (m := LAYER_SCOPE.search(node.name))}


def hidden_state_after(model: onnx.ModelProto, num_layers: int) -> str:
    """The tensor the encoder's layer `num_layers` (1-based) hands on, by structure, checked against the node names
    where they name layers."""
    by_structure = layer_outputs(model)
    hidden = by_structure[num_layers - 1]
    named = _named_layers(model)
    if named:
        if max(named) + 1 != len(by_structure):
            raise SurgeryError(
                f"the node names scope {max(named) + 1} layers, the structure has {len(by_structure)}: not cut"
            )
        by_name = _handed_on_by_name(model, num_layers)
        if by_name != hidden:
            raise SurgeryError(f"layer {num_layers} hands on {by_name} by its node names, {hidden} by structure: not cut")
    return hidden


def _handed_on_by_name(model: onnx.ModelProto, num_layers: int) -> str:
    """The one tensor the nodes scoped `layer.{num_layers - 1}` hand to anything outside them."""
    layer = num_layers - 1
    # constants are left out: torch.onnx may share one between layers
    produced = {
        out for node in model.graph.node if _layer_of(node) == layer and node.op_type != "Constant" for out in node.output
    }
    handed_on = {name for node in model.graph.node if _layer_of(node) != layer for name in node.input} | {
        out.name for out in model.graph.output
    }
    candidates = sorted(produced & handed_on)
    if len(candidates) != 1:
        raise SurgeryError(f"layer {num_layers} hands on {len(candidates)} tensors ({candidates}) by its node names")
    return candidates[0]


def _layer_of(node: onnx.NodeProto) -> int | None:
    match = LAYER_SCOPE.search(node.name)
    return int(match.group(1)) if match else None


def to_contract_encoder(
    model: onnx.ModelProto, *, hidden_size: int, num_layers: int | None, sentence_embedding: bool
) -> onnx.ModelProto:
    """`model` made into the contract's encoder, in place (roberta-large's 1.6 GB is never copied); returns it.

    Not checked here: onnx.checker copies the model; check the saved file (convert.py does).
    """
    opset = default_opset(model)
    if opset < MIN_OPSET:
        raise SurgeryError(f"opset {opset} is older than {MIN_OPSET}, the oldest this surgery writes nodes for")
    graph = model.graph
    inputs = {i.name: i for i in graph.input}
    for name in INPUTS:
        if name not in inputs or inputs[name].type.tensor_type.elem_type != TensorProto.INT64:
            raise SurgeryError(f"the model has no int64 input {name} (inputs: {sorted(inputs)})")
    extra = sorted(set(inputs) - set(INPUTS) - {TOKEN_TYPE_IDS})
    if extra:
        raise SurgeryError(f"inputs the contract cannot feed: {extra}")

    total = count_layers(model)
    keep = total if num_layers is None else num_layers
    if not 0 < keep <= total:
        raise SurgeryError(f"cannot keep {keep} layers of a model with {total}")
    hidden = hidden_state_after(model, keep)
    hidden_info = next((v for v in (*graph.value_info, *graph.output) if v.name == hidden), None)
    if hidden_info is not None and hidden_info.type.tensor_type.elem_type != TensorProto.FLOAT:
        raise SurgeryError(f"{hidden} is not float32: export the FP32 model")

    if TOKEN_TYPE_IDS in inputs:
        _make_token_type_ids_internal(graph, inputs[TOKEN_TYPE_IDS])
    _keep_only_what_computes(graph, hidden)
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(TOKEN_EMBEDDINGS, TensorProto.FLOAT, [BATCH, SEQUENCE, hidden_size]))
    _rename(graph, hidden, TOKEN_EMBEDDINGS)
    del graph.input[:]
    graph.input.extend(helper.make_tensor_value_info(name, TensorProto.INT64, [BATCH, SEQUENCE]) for name in INPUTS)
    if sentence_embedding:
        append_mean_pooling_and_normalisation(graph, opset, hidden_size)
    model.producer_name = "gpu-bridge hub_onnx"
    model.producer_version = ""
    return model


def _keep_only_what_computes(graph: onnx.GraphProto, output: str) -> None:
    """Deletes, in place, every node, weight and shape record that `output` does not depend on (the later layers,
    a fill-mask head, other outputs)."""
    needed = {output}
    keep = [False] * len(graph.node)
    for index in range(len(graph.node) - 1, -1, -1):
        node = graph.node[index]
        if any(name in needed for name in node.output):
            if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
                raise SurgeryError(f"{node.name or node.op_type} holds a subgraph: not a BERT/RoBERTa export")
            keep[index] = True
            needed.update(name for name in node.input if name)
    for index in range(len(graph.node) - 1, -1, -1):
        if not keep[index]:
            del graph.node[index]
    for field in (graph.initializer, graph.value_info):
        for index in range(len(field) - 1, -1, -1):
            if field[index].name not in needed:
                del field[index]


def _make_token_type_ids_internal(graph: onnx.GraphProto, token_type_ids: onnx.ValueInfoProto) -> None:
    """token_type_ids becomes zeros shaped like input_ids, as the torch export feeds them."""
    graph.input.remove(token_type_ids)
    zero = numpy_helper.from_array(np.zeros(1, dtype=np.int64), PREFIX + "zero")
    nodes = [
        helper.make_node("Shape", ["input_ids"], [PREFIX + "input_shape"], name=PREFIX + "Shape"),
        helper.make_node("ConstantOfShape", [PREFIX + "input_shape"], [TOKEN_TYPE_IDS], value=zero,
                         name=PREFIX + "TokenTypeIds"),
    ]
    for node in reversed(nodes):
        graph.node.insert(0, node)


def _rename(graph: onnx.GraphProto, old: str, new: str) -> None:
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]
    for value in (*graph.output, *graph.value_info):
        if value.name == old:
            value.name = new


def append_mean_pooling_and_normalisation(graph: onnx.GraphProto, opset: int, hidden_size: int) -> None:
    """sentence = normalize(sum(tokens * mask) / clamp(sum(mask), 1e-9)): encoder_modules.SentenceEncoder's ops."""
    p = PREFIX
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(MASK_EPS, dtype=np.float32), p + "mask_eps"),
            numpy_helper.from_array(np.array(NORM_EPS, dtype=np.float32), p + "norm_eps"),
        ]
    )
    nodes = [
        *_unsqueeze(opset, "attention_mask", p + "mask_3d", axis=-1),
        helper.make_node("Cast", [p + "mask_3d"], [p + "mask"], to=TensorProto.FLOAT, name=p + "Cast"),
        helper.make_node("Mul", [TOKEN_EMBEDDINGS, p + "mask"], [p + "masked"], name=p + "Mul"),
        *_reduce(opset, "ReduceSum", p + "masked", p + "summed", axis=1, keepdims=0),
        *_reduce(opset, "ReduceSum", p + "mask", p + "count", axis=1, keepdims=0),
        helper.make_node("Clip", [p + "count", p + "mask_eps"], [p + "count_clamped"], name=p + "ClipCount"),
        helper.make_node("Div", [p + "summed", p + "count_clamped"], [p + "mean"], name=p + "DivCount"),
        *_reduce(opset, "ReduceL2", p + "mean", p + "norm", axis=-1, keepdims=1),
        helper.make_node("Clip", [p + "norm", p + "norm_eps"], [p + "norm_clamped"], name=p + "ClipNorm"),
        helper.make_node("Div", [p + "mean", p + "norm_clamped"], [SENTENCE_EMBEDDING], name=p + "DivNorm"),
    ]
    graph.node.extend(nodes)
    graph.output.append(helper.make_tensor_value_info(SENTENCE_EMBEDDING, TensorProto.FLOAT, [BATCH, hidden_size]))


def _axes(name: str, axis: int) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array([axis], dtype=np.int64), name)


def _unsqueeze(opset: int, source: str, target: str, *, axis: int) -> list[onnx.NodeProto]:
    name = PREFIX + "Unsqueeze"
    if opset < 13:  # axes became an input in opset 13
        return [helper.make_node("Unsqueeze", [source], [target], axes=[axis], name=name)]
    axes = helper.make_node("Constant", [], [name + "_axes"], value=_axes(name + "_axes", axis), name=name + "_axes")
    return [axes, helper.make_node("Unsqueeze", [source, name + "_axes"], [target], name=name)]


def _reduce(opset: int, op: str, source: str, target: str, *, axis: int, keepdims: int) -> list[onnx.NodeProto]:
    name = f"{PREFIX}{op}_{target.removeprefix(PREFIX)}"
    # ReduceSum took its axes as an input from opset 13 on, the other reductions from 18 on
    if opset < (13 if op == "ReduceSum" else 18):
        return [helper.make_node(op, [source], [target], axes=[axis], keepdims=keepdims, name=name)]
    axes = helper.make_node("Constant", [], [name + "_axes"], value=_axes(name + "_axes", axis), name=name + "_axes")
    return [axes, helper.make_node(op, [source, name + "_axes"], [target], keepdims=keepdims, name=name)]
