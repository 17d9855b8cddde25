"""The ONNX graph of a BERT/RoBERTa encoder, written node by node from its weights (safetensors, numpy): no torch.

The operators are those transformers' eager BERT/RoBERTa run and the torch export (encoder_modules) traces:
embeddings (word + token type 0 + position; RoBERTa numbers positions from padding_idx + 1 over non-padding ids),
LayerNorm, multi-head attention with the additive mask of transformers (finfo.min at padded keys), GELU (erf), the
FFN, each sublayer's residual and LayerNorm; cut after `num_layers` layers. Sentence models get the same mean
Pooling + Normalize as the hub-ONNX surgery appends (graph_surgery), so that there is one definition of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

from gpu_bridge_export.hub_onnx.graph_surgery import (
    BATCH,
    INPUTS,
    SEQUENCE,
    TOKEN_EMBEDDINGS,
    append_mean_pooling_and_normalisation,
)

OPSET = 17  # the torch export's (onnx_export.DEFAULT_OPSET), with LayerNormalization
# model types whose position ids count from padding_idx + 1 over the non-padding tokens (RobertaEmbeddings)
PADDING_OFFSET_POSITIONS = ("roberta", "xlm-roberta", "camembert")
BERT_FAMILY = ("bert", *PADDING_OFFSET_POSITIONS)
WEIGHT_PREFIXES = ("", "bert.", "roberta.")  # bare encoders, and the same inside a task model's checkpoint


class BuildError(ValueError):
    """The model folder is not a BERT/RoBERTa encoder this builder can write; the message says why."""


@dataclass(frozen=True)
class EncoderConfig:
    """What of config.json the graph depends on."""

    model_type: str
    hidden_size: int
    num_heads: int
    num_layers: int
    layer_norm_eps: float
    pad_token_id: int

    @classmethod
    def read(cls, model_dir: Path) -> EncoderConfig:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        model_type = config.get("model_type")
        if model_type not in BERT_FAMILY:
            raise BuildError(f"{model_dir}: model_type {model_type!r} is not one of {', '.join(BERT_FAMILY)}")
        if config.get("hidden_act", "gelu") != "gelu":
            raise BuildError(f"{model_dir}: hidden_act {config['hidden_act']!r}; the builder writes GELU (erf) only")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise BuildError(f"{model_dir}: position_embedding_type {config['position_embedding_type']!r} is not absolute")
        return cls(
            model_type=model_type,
            hidden_size=int(config["hidden_size"]),
            num_heads=int(config["num_attention_heads"]),
            num_layers=int(config["num_hidden_layers"]),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            pad_token_id=int(config.get("pad_token_id") or 0),
        )


class _Graph:
    """Nodes and initializers, each named once."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str):
        self.weights, self.prefix = weights, prefix
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def weight(self, key: str, *, transpose: bool = False) -> str:
        array = self.weights[self.prefix + key]
        array = np.ascontiguousarray(array.T if transpose else array, dtype=np.float32)
        self.initializers.append(numpy_helper.from_array(array, key + (".T" if transpose else "")))
        return self.initializers[-1].name

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, **attributes) -> str:
        self._count += 1
        output = output or f"{op_type}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=f"/{op_type}_{self._count}", **attributes))
        return output

    def linear(self, x: str, key: str) -> str:
        return self.op("Add", [self.op("MatMul", [x, self.weight(key + ".weight", transpose=True)]), self.weight(key + ".bias")])

    def layer_norm(self, x: str, key: str, eps: float) -> str:
        return self.op("LayerNormalization", [x, self.weight(key + ".weight"), self.weight(key + ".bias")], axis=-1,
                       epsilon=eps)


def _weight_prefix(weights: dict[str, np.ndarray]) -> str:
    for prefix in WEIGHT_PREFIXES:
        if prefix + "embeddings.word_embeddings.weight" in weights:
            return prefix
    raise BuildError("no embeddings.word_embeddings.weight in model.safetensors: not a BERT/RoBERTa checkpoint")


def build_encoder_graph(model_dir: str | Path, *, num_layers: int | None, sentence_embedding: bool) -> onnx.ModelProto:
    """The contract's encoder of `model_dir` (config.json, model.safetensors): input_ids, attention_mask (int64)
    -> token_embeddings after layer `num_layers` (None: all), and sentence_embedding for sentence models."""
    model_dir = Path(model_dir)
    config = EncoderConfig.read(model_dir)
    keep = config.num_layers if num_layers is None else num_layers
    if not 0 < keep <= config.num_layers:
        raise BuildError(f"cannot keep {keep} layers of a model with {config.num_layers}")
    if config.hidden_size % config.num_heads:
        raise BuildError(f"hidden_size {config.hidden_size} is not a multiple of {config.num_heads} heads")
    weights = load_file(str(model_dir / "model.safetensors"))
    g = _Graph(weights, _weight_prefix(weights))

    hidden = _embeddings(g, config)
    mask = _additive_attention_mask(g)
    for layer in range(keep):
        hidden = _layer(g, config, f"encoder.layer.{layer}.", hidden, mask)
    g.op("Identity", [hidden], TOKEN_EMBEDDINGS)

    graph = helper.make_graph(
        g.nodes,
        "encoder",
        [helper.make_tensor_value_info(name, TensorProto.INT64, [BATCH, SEQUENCE]) for name in INPUTS],
        [helper.make_tensor_value_info(TOKEN_EMBEDDINGS, TensorProto.FLOAT, [BATCH, SEQUENCE, config.hidden_size])],
        g.initializers,
    )
    if sentence_embedding:
        append_mean_pooling_and_normalisation(graph, OPSET, config.hidden_size)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="gpu-bridge onnx_builder")
    model.ir_version = 8  # what onnxruntime-node and Triton's onnxruntime backend read, as torch.onnx writes for 17
    return model


def _embeddings(g: _Graph, config: EncoderConfig) -> str:
    words = g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), "input_ids"])
    # token_type_ids are zeros (the contract feeds none): every token adds row 0
    token_type = g.constant("token_type_embedding_0", np.ascontiguousarray(
        g.weights[g.prefix + "embeddings.token_type_embeddings.weight"][0], dtype=np.float32))
    summed = g.op("Add", [words, token_type])
    if config.model_type in PADDING_OFFSET_POSITIONS:
        # create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + pad
        pad = g.constant("pad_token_id", np.array(config.pad_token_id, dtype=np.int64))
        not_pad = g.op("Cast", [g.op("Not", [g.op("Equal", ["input_ids", pad])])], to=TensorProto.INT64)
        counted = g.op("CumSum", [not_pad, g.constant("sequence_axis", np.array(1, dtype=np.int64))])
        positions = g.op("Add", [g.op("Mul", [counted, not_pad]), pad])
    else:
        shape = g.op("Shape", ["input_ids"])
        length = g.op("Gather", [shape, g.constant("one", np.array(1, dtype=np.int64))], axis=0)
        positions = g.op("Range", [g.constant("zero", np.array(0, dtype=np.int64)), length, "one"])
    summed = g.op("Add", [summed, g.op("Gather", [g.weight("embeddings.position_embeddings.weight"), positions])])
    return g.layer_norm(summed, "embeddings.LayerNorm", config.layer_norm_eps)


def _additive_attention_mask(g: _Graph) -> str:
    """(1 - mask) * finfo(float32).min, shaped [batch, 1, 1, sequence]: added to every head's scores."""
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.constant("float_one", np.array(1.0, dtype=np.float32)), mask])
    additive = g.op("Mul", [inverted, g.constant("float_min", np.array(np.finfo(np.float32).min, dtype=np.float32))])
    return g.op("Unsqueeze", [additive, g.constant("head_and_query_axes", np.array([1, 2], dtype=np.int64))])


def _layer(g: _Graph, config: EncoderConfig, key: str, hidden: str, mask: str) -> str:
    heads, head_size = config.num_heads, config.hidden_size // config.num_heads
    split = g.constant(key + "split_heads", np.array([0, 0, heads, head_size], dtype=np.int64))

    def project(name: str, perm: list[int]) -> str:
        return g.op("Transpose", [g.op("Reshape", [g.linear(hidden, key + f"attention.self.{name}"), split])], perm=perm)

    query = project("query", [0, 2, 1, 3])  # [batch, heads, sequence, head_size]
    key_t = project("key", [0, 2, 3, 1])  # [batch, heads, head_size, sequence]
    value = project("value", [0, 2, 1, 3])
    scale = g.constant(key + "scale", np.array(1.0 / math.sqrt(head_size), dtype=np.float32))
    scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [query, key_t]), scale]), mask])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), value])
    merge = g.constant(key + "merge_heads", np.array([0, 0, config.hidden_size], dtype=np.int64))
    context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge])
    attended = g.op("Add", [g.linear(context, key + "attention.output.dense"), hidden])
    attended = g.layer_norm(attended, key + "attention.output.LayerNorm", config.layer_norm_eps)

    inner = g.linear(attended, key + "intermediate.dense")
    erf = g.op("Erf", [g.op("Div", [inner, g.constant(key + "sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))])])
    half = g.constant(key + "half", np.array(0.5, dtype=np.float32))
    gelu = g.op("Mul", [g.op("Mul", [inner, half]), g.op("Add", [erf, g.constant(key + "one", np.array(1.0, dtype=np.float32))])])
    out = g.op("Add", [g.linear(gelu, key + "output.dense"), attended])
    return g.layer_norm(out, key + "output.LayerNorm", config.layer_norm_eps)
