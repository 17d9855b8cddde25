"""The config.pbtxt of every model in the default repository (triton-models/), as committed."""

from __future__ import annotations

from pathlib import Path

from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.triton_config import (
    ModelConfig,
    bertscore_config,
    device_info_config,
    embed_config,
    encoder_config,
)


def default_configs() -> list[ModelConfig]:
    return [
        encoder_config("all-MiniLM-L6-v2", 384, sentence_embedding=True),
        encoder_config("roberta-large", 1024, sentence_embedding=False),
        embed_config(
            "embed",
            model_name="all-MiniLM-L6-v2",
            encoder_model="all-MiniLM-L6-v2",
            hidden_size=384,
            max_length=256,
            hub_id=CATALOG["all-MiniLM-L6-v2"].hub_repo,
        ),
        bertscore_config(
            "bertscore",
            model_name="roberta-large",
            encoder_model="roberta-large",
            num_layers=17,
            tokenizer_type="roberta",
            baseline_lang="en",
            hub_id=CATALOG["roberta-large"].hub_repo,
        ),
        bertscore_config(
            "bertscore-all-MiniLM-L6-v2",
            model_name="all-MiniLM-L6-v2",
            encoder_model="all-MiniLM-L6-v2",
            num_layers=6,
            tokenizer_type="bert",
            hub_id=CATALOG["all-MiniLM-L6-v2"].hub_repo,
        ),
        device_info_config(),
    ]


def write_default_configs(repository: Path) -> None:
    for config in default_configs():
        (repository / config.name).mkdir(parents=True, exist_ok=True)
        (repository / config.name / "config.pbtxt").write_text(config.render())
