"""The encoders of the default repository: where they come from and how they are cut."""

from __future__ import annotations

from dataclasses import dataclass

from gpu_bridge_export.encoder_export import EncoderSpec


@dataclass(frozen=True)
class CatalogEntry:
    spec: EncoderSpec
    hub_repo: str
    baseline_model_type: str | None  # bert_score rescale baseline shipped with the encoder


CATALOG = {
    "all-MiniLM-L6-v2": CatalogEntry(
        EncoderSpec("all-MiniLM-L6-v2", None, sentence_embedding=True),
        "sentence-transformers/all-MiniLM-L6-v2",
        None,
    ),
    "roberta-large": CatalogEntry(
        EncoderSpec("roberta-large", 17, sentence_embedding=False),
        "FacebookAI/roberta-large",
        "roberta-large",
    ),
}
