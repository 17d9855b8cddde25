"""What `export` writes for a model it has no catalogue entry for (catalog.py), by its Hugging Face id:
- a model bert_score knows (its `model2layers`, by id or short name): the encoder cut at bert_score's layer and a
  `bertscore-<name>` text model whose `model_name` is bert_score's model type (its hash names the model so);
- any other name: a sentence-transformers model (`org/name`, or `name` under sentence-transformers/ as that
  library resolves it): the pooled encoder and an `embed-<name>` text model.
The proxy finds the text models by their config parameters (task, model_name, hub_id), as it finds roberta-large.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gpu_bridge_export.bert_score_tables import BertScoreTables
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.triton_config import ModelConfig, bertscore_config, embed_config

SENTENCE_TRANSFORMERS_ORG = "sentence-transformers"
# bert_score's sent_encode per slow tokenizer class; the serving models reproduce these (bert_score_tokenizer.py)
BERT_SCORE_TOKENIZERS = {"BertTokenizer": "bert", "RobertaTokenizer": "roberta", "DebertaTokenizer": "deberta"}
MODEL_TYPE_TOKENIZERS = {"bert": "bert", "roberta": "roberta", "deberta": "deberta"}
DEFAULT_BERTSCORE_MAX_LENGTH = 512
DEFAULT_EMBED_MAX_LENGTH = 256


class UnsupportedModel(ValueError):
    """A model this exporter cannot serve as bert_score or sentence-transformers computes it; says why."""


@dataclass(frozen=True)
class ModelPlan:
    task: str  # "bertscore" | "embed"
    hub_repo: str
    public_name: str  # bertscore: bert_score's model type; embed: the name sentence-transformers users give
    encoder: str  # the encoder's model name in the repository
    num_layers: int | None

    @property
    def text_model(self) -> str:
        return f"{self.task}-{self.encoder}"

    @property
    def spec(self) -> EncoderSpec:
        return EncoderSpec(self.encoder, self.num_layers, sentence_embedding=self.task == "embed")


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def plan_model(name: str, tables: BertScoreTables) -> ModelPlan:
    known = {key.lower(): key for key in tables.model2layers}
    by_short = {}
    for key in tables.model2layers:
        by_short.setdefault(_short(key).lower(), []).append(key)
    model_type = known.get(name.lower())
    if model_type is None and "/" not in name and len(by_short.get(name.lower(), [])) == 1:
        model_type = by_short[name.lower()][0]
    if model_type is not None:
        return ModelPlan("bertscore", model_type, model_type, _short(model_type), tables.model2layers[model_type])
    hub_repo = name if "/" in name else f"{SENTENCE_TRANSFORMERS_ORG}/{name}"
    return ModelPlan("embed", hub_repo, _short(name), _short(name), None)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def bert_score_tokenizer_type(model_dir: Path) -> str:
    """The tokenizer bert_score's AutoTokenizer loads for this folder, as the serving models name it."""
    tokenizer_class = _read_json(model_dir / "tokenizer_config.json").get("tokenizer_class")
    if tokenizer_class:
        kind = BERT_SCORE_TOKENIZERS.get(tokenizer_class.removesuffix("Fast"))
        if kind is None:
            raise UnsupportedModel(
                f"{model_dir.name}: bert_score tokenizes it with {tokenizer_class}, which the serving models do not "
                f"reproduce (they do {', '.join(sorted(BERT_SCORE_TOKENIZERS))})"
            )
        return kind
    model_type = _read_json(model_dir / "config.json").get("model_type")
    if model_type not in MODEL_TYPE_TOKENIZERS:
        raise UnsupportedModel(f"{model_dir.name}: model type {model_type!r} is not served (bert, roberta, deberta are)")
    return MODEL_TYPE_TOKENIZERS[model_type]


def _model_max_length(model_dir: Path, default: int) -> int:
    value = _read_json(model_dir / "tokenizer_config.json").get("model_max_length")
    # transformers writes a huge sentinel where no limit is known
    return int(value) if isinstance(value, int) and 2 <= value < 1_000_000 else default


def embed_max_length(model_dir: Path) -> int:
    """sentence-transformers' max_seq_length (sentence_bert_config.json), else the tokenizer's limit."""
    value = _read_json(model_dir / "sentence_bert_config.json").get("max_seq_length")
    return int(value) if isinstance(value, int) and value >= 2 else _model_max_length(model_dir, DEFAULT_EMBED_MAX_LENGTH)


def check_sentence_transformer(model_dir: Path, name: str) -> None:
    """The encoder graph pools by the attention-masked mean: only such sentence-transformers models are served."""
    modules = _read_json(model_dir / "modules.json") if (model_dir / "modules.json").is_file() else None
    if modules is None:
        raise UnsupportedModel(
            f"{name} is neither a model bert_score knows (its model2layers) nor a sentence-transformers model "
            "(no modules.json)"
        )
    pooling = [m for m in modules if m.get("type", "").endswith("Pooling")]
    if len(pooling) != 1:
        raise UnsupportedModel(f"{name}: sentence-transformers modules without one Pooling module")
    pooling_config = _read_json(model_dir / pooling[0].get("path", "") / "config.json")
    modes = [key for key, value in pooling_config.items() if key.startswith("pooling_mode") and value is True]
    if modes != ["pooling_mode_mean_tokens"]:
        raise UnsupportedModel(f"{name}: pooling {modes or 'unknown'}; only mean pooling is served")
    extra = [m["type"] for m in modules if not m.get("type", "").endswith(("Transformer", "Pooling", "Normalize"))]
    if extra:
        raise UnsupportedModel(f"{name}: sentence-transformers modules {extra} are not served")


def text_model_config(plan: ModelPlan, model_dir: Path, hidden_size: int, baseline_lang: str = "") -> ModelConfig:
    model_dir = Path(model_dir)
    if plan.task == "bertscore":
        return bertscore_config(
            plan.text_model,
            model_name=plan.public_name,
            encoder_model=plan.encoder,
            num_layers=plan.num_layers,
            tokenizer_type=bert_score_tokenizer_type(model_dir),
            max_length=_model_max_length(model_dir, DEFAULT_BERTSCORE_MAX_LENGTH),
            baseline_lang=baseline_lang,
            hub_id=plan.hub_repo,
        )
    check_sentence_transformer(model_dir, plan.hub_repo)
    return embed_config(
        plan.text_model,
        model_name=plan.public_name,
        encoder_model=plan.encoder,
        hidden_size=hidden_size,
        max_length=embed_max_length(model_dir),
        hub_id=plan.hub_repo,
    )
