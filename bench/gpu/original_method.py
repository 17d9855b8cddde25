"""The original service's method on the rehearsal's weights: sentence-transformers `encode` (normalised) and
bert_score, unpatched, loaded once from the local Hugging Face folders and called with one request's texts, as
bench/peers/original_style.py serves them."""

from __future__ import annotations

from pathlib import Path

import bert_score
import numpy as np
import torch
from sentence_transformers import SentenceTransformer


class OriginalEmbedder:
    def __init__(self, hf_folder: Path, max_seq_length: int, device: str):
        self.model = SentenceTransformer(str(hf_folder), device=device)
        # all-MiniLM-L6-v2's own sentence_bert_config.json says 256, the embed config's max_length
        self.model.max_seq_length = max_seq_length

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


class OriginalScorer:
    def __init__(self, hf_folder: Path, num_layers: int, device: str):
        self.scorer = bert_score.BERTScorer(model_type=str(hf_folder), num_layers=num_layers, device=device)

    def __call__(self, candidates: list[str], references: list[str]) -> torch.Tensor:
        with torch.inference_mode():
            return torch.stack(self.scorer.score(candidates, references), dim=1)


def reference_scores(
    hf_folder: Path, num_layers: int, candidates: list[str], references: list[list[str]], idf: bool, use_fast: bool
) -> np.ndarray:
    """[n, 3] P, R, F from `bert_score.score` itself (idf from these references, the best of several), on CPU."""
    precision, recall, f1 = bert_score.score(
        candidates, references, model_type=str(hf_folder), num_layers=num_layers, idf=idf,
        use_fast_tokenizer=use_fast, device="cpu",
    )  # fmt: skip
    return torch.stack((precision, recall, f1), dim=1).numpy()
