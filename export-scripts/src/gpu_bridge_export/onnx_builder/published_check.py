"""The built all-MiniLM-L6-v2 checked against the similarities its model card publishes, at build time and without
torch or onnxruntime: onnx's reference evaluator runs the written model.onnx on the model card's sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx.reference import ReferenceEvaluator
from tokenizers import Tokenizer

from gpu_bridge_export.hub_onnx.graph_surgery import SENTENCE_EMBEDDING
from gpu_bridge_export.verify.expected import (
    PUBLISHED_SIMILARITIES,
    SIMILARITY_SENTENCES,
    SIMILARITY_TOLERANCE,
)


class PublishedValuesMismatch(ValueError):
    """The encoder's embeddings do not give the published similarities: the weights are not the published model."""


def similarities(version: Path) -> dict[tuple[int, int], float]:
    """Cosine similarities of SIMILARITY_SENTENCES' sentence_embedding, from `version`/model.onnx and tokenizer.json."""
    tokenizer = Tokenizer.from_file(str(version / "tokenizer.json"))
    encoded = [tokenizer.encode(text).ids for text in SIMILARITY_SENTENCES]
    ids = np.zeros((len(encoded), max(map(len, encoded))), dtype=np.int64)  # [PAD] is 0 in its vocabulary
    mask = np.zeros_like(ids)
    for row, tokens in enumerate(encoded):
        ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
    (embeddings,) = ReferenceEvaluator(str(version / "model.onnx")).run(
        [SENTENCE_EMBEDDING], {"input_ids": ids, "attention_mask": mask}
    )
    return {pair: float(embeddings[pair[0]] @ embeddings[pair[1]]) for pair in PUBLISHED_SIMILARITIES}


def check_published_similarities(version: Path) -> dict[tuple[int, int], float]:
    """Raises PublishedValuesMismatch unless every similarity is within SIMILARITY_TOLERANCE of the model card's."""
    got = similarities(version)
    wrong = {pair: value for pair, value in got.items() if abs(value - PUBLISHED_SIMILARITIES[pair]) > SIMILARITY_TOLERANCE}
    if wrong:
        detail = "; ".join(f"{pair}: {got[pair]:.4f}, published {PUBLISHED_SIMILARITIES[pair]:.4f}" for pair in wrong)
        raise PublishedValuesMismatch(f"{version}: the model card's similarities do not hold ({detail})")
    return got
