"""Running an encoder (a path or an in-memory ONNX model) on real texts, tokenized as the served models do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from gpu_bridge_export.fixtures.corpus import BERTSCORE_PAIRS, EMBED_TEXTS
from tokenizers import Tokenizer

TEXTS = [*EMBED_TEXTS, *(text for pair in BERTSCORE_PAIRS for text in pair)]


def batch(tokenizer_json: Path, texts: list[str], max_length: int = 256) -> tuple[np.ndarray, np.ndarray]:
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    encoded = [tokenizer.encode(text).ids for text in texts]
    pad = tokenizer.token_to_id("<pad>") if tokenizer.token_to_id("<pad>") is not None else 0
    ids = np.full((len(encoded), max(map(len, encoded))), pad, dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, e in enumerate(encoded):
        ids[row, : len(e)] = e
        mask[row, : len(e)] = 1
    return ids, mask


def run(model: Path | onnx.ModelProto, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {"input_ids": ids, "attention_mask": mask})))


def max_differences(got: dict[str, np.ndarray], expected: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, float]:
    """Largest absolute difference per output; token embeddings at real (unpadded) positions only."""
    assert sorted(got) == sorted(expected), (sorted(got), sorted(expected))
    real = mask.astype(bool)
    return {
        name: float(np.abs((got[name][real] - expected[name][real]) if name == "token_embeddings"
                           else (got[name] - expected[name])).max())
        for name in expected
    }


def io_signature(model: Path | onnx.ModelProto) -> list[tuple[str, int, list]]:
    """Names, element types and shapes (named axes as None) of a graph's inputs and outputs."""
    graph = (onnx.load(str(model), load_external_data=False) if isinstance(model, Path) else model).graph
    return [
        (v.name, v.type.tensor_type.elem_type, [d.dim_value or None for d in v.type.tensor_type.shape.dim])
        for v in (*graph.input, *graph.output)
    ]
