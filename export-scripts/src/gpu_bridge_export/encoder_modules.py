"""Torch modules that the exporter traces: a transformer cut to its first layers, plus pooling in the graph."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.models.auto.modeling_auto import MODEL_MAPPING
from transformers.utils import logging as transformers_logging

NORM_EPS = 1e-12
log = logging.getLogger(__name__)


def load_truncated_encoder(model_dir: str | Path, num_layers: int | None = None) -> PreTrainedModel:
    """Loads a BERT/RoBERTa/DeBERTa encoder and keeps its first `num_layers` layers (bert_score's cut)."""
    config = AutoConfig.from_pretrained(str(model_dir))
    # BERT and RoBERTa carry a pooler bert_score never reads; DeBERTa has none (and no such argument)
    pooling = inspect.signature(MODEL_MAPPING[type(config)].__init__).parameters
    extra = {"add_pooling_layer": False} if "add_pooling_layer" in pooling else {}
    # transformers reports the checkpoint's keys the encoder does not use (the pooler, a task head) as an
    # "UNEXPECTED" table a newcomer reads as an error; only missing weights (left random) are worth a word
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        model, loading = AutoModel.from_pretrained(
            str(model_dir), attn_implementation="eager", output_loading_info=True, **extra
        )
    finally:
        transformers_logging.set_verbosity(verbosity)
    if loading["missing_keys"]:
        log.warning("%s: weights missing from the checkpoint, left at random: %s", model_dir,
                    ", ".join(sorted(loading["missing_keys"])))
    model.eval()
    layers = model.encoder.layer
    if num_layers is not None:
        if not 0 < num_layers <= len(layers):
            raise ValueError(f"num_layers must be within 1..{len(layers)}, got {num_layers}")
        model.encoder.layer = torch.nn.ModuleList(list(layers)[:num_layers])
        model.config.num_hidden_layers = num_layers
    return model


class TokenEncoder(torch.nn.Module):
    """input_ids, attention_mask -> token_embeddings (last kept layer), always FP32 out."""

    def __init__(self, model: PreTrainedModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        return hidden.float()


class SentenceEncoder(TokenEncoder):
    """Adds sentence-transformers' mean Pooling + Normalize: -> token_embeddings, sentence_embedding."""

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = super().forward(input_ids, attention_mask)
        mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        sentence = mean / mean.norm(p=2, dim=-1, keepdim=True).clamp(min=NORM_EPS)
        return tokens, sentence


def has_token_type_embeddings(model: PreTrainedModel) -> bool:
    return getattr(model.config, "type_vocab_size", 0) > 0
