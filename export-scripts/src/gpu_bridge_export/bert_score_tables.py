"""bert_score's own tables: `model2layers` (the layer each model is cut at) and `lang2model` (the default model per
language), read from the installed bert_score, or from the reference environment where this one has none."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BertScoreTables:
    model2layers: dict[str, int]
    lang2model: dict[str, str]
    default_model: str  # lang2model's default: the model of every language it does not list

    def model_for_lang(self, lang: str) -> str:
        return self.lang2model.get(lang.lower(), self.default_model)


def tables_from_bert_score() -> dict:
    """The tables as JSON (the reference runner answers its `bert_score_tables` job with this)."""
    from bert_score.utils import lang2model, model2layers

    return {
        "model2layers": dict(model2layers),
        "lang2model": dict(lang2model),
        "default_model": lang2model.default_factory(),
    }


def bert_score_tables() -> BertScoreTables:
    try:
        data = tables_from_bert_score()
    except ImportError:
        from gpu_bridge_export.reference_env import run_reference

        (data,) = run_reference([{"bert_score_tables": True}])
    return BertScoreTables(data["model2layers"], data["lang2model"], data["default_model"])


def lang_models_json(tables: BertScoreTables) -> dict:
    """What the proxy reads to pick bert_score's default model for a request's `lang` (no model named)."""
    return {
        "source": "bert_score.utils.lang2model (written by `gpu-bridge-export bert-score-langs`)",
        "lang2model": dict(sorted(tables.lang2model.items())),
        "default_model": tables.default_model,
    }


def write_lang_models(path: Path) -> Path:
    path.write_text(json.dumps(lang_models_json(bert_score_tables()), indent=2) + "\n", encoding="utf-8")
    return path
