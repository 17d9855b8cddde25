"""The encoders of the default repository: where they come from and how they are cut."""

from __future__ import annotations

from dataclasses import dataclass

from gpu_bridge_export.encoder_spec import EncoderSpec


@dataclass(frozen=True)
class CatalogEntry:
    spec: EncoderSpec
    hub_repo: str
    baseline_model_type: str | None  # bert_score rescale baseline shipped with the encoder
    # the ONNX export the hub publishes beside the weights (made by Optimum), turned into the contract's encoder
    # without torch by gpu_bridge_export.hub_onnx
    hub_onnx_file: str


CATALOG = {
    "all-MiniLM-L6-v2": CatalogEntry(
        EncoderSpec("all-MiniLM-L6-v2", None, sentence_embedding=True),
        "sentence-transformers/all-MiniLM-L6-v2",
        None,
        hub_onnx_file="onnx/model.onnx",  # sentence-transformers' ONNX backend export: last_hidden_state
    ),
    "roberta-large": CatalogEntry(
        EncoderSpec("roberta-large", 17, sentence_embedding=False),
        "FacebookAI/roberta-large",
        "roberta-large",
        hub_onnx_file="model.onnx",  # its PR #3, "Adding ONNX file of this model": the whole model, 24 layers
    ),
}
