"""model_plan.py and hub.py's choices, offline: which tokenizer family, which pooling, which weights."""

import json

import pytest
from gpu_bridge_export.bert_score_tables import BertScoreTables
from gpu_bridge_export.hub import weight_patterns
from gpu_bridge_export.model_plan import (
    UnsupportedModel,
    bert_score_tokenizer_type,
    check_sentence_transformer,
    embed_max_length,
    plan_model,
)

TABLES = BertScoreTables(
    {"roberta-large": 17, "microsoft/deberta-xlarge-mnli": 40, "xlm-roberta-large": 17},
    {"en": "roberta-large"},
    "bert-base-multilingual-cased",
)


def _folder(tmp_path, **files):
    for name, content in files.items():
        path = tmp_path / name.replace("__json", ".json").replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    return tmp_path


def test_a_model2layers_key_is_a_bertscore_model_at_its_layer_by_id_or_short_name():
    plan = plan_model("Microsoft/DeBERTa-xlarge-mnli", TABLES)
    assert (plan.task, plan.hub_repo, plan.num_layers) == ("bertscore", "microsoft/deberta-xlarge-mnli", 40)
    assert plan_model("deberta-xlarge-mnli", TABLES) == plan
    assert plan_model("other-org/deberta-xlarge-mnli", TABLES).task == "embed"  # another org's model


def test_other_names_are_sentence_transformers_models():
    plan = plan_model("all-mpnet-base-v2", TABLES)
    assert (plan.task, plan.hub_repo, plan.text_model) == ("embed", "sentence-transformers/all-mpnet-base-v2",
                                                           "embed-all-mpnet-base-v2")


def test_lang_defaults_come_from_the_table():
    assert TABLES.model_for_lang("EN") == "roberta-large"
    assert TABLES.model_for_lang("de") == "bert-base-multilingual-cased"


@pytest.mark.parametrize(
    ("tokenizer_class", "expected"),
    [("DebertaTokenizer", "deberta"), ("BertTokenizerFast", "bert"), ("RobertaTokenizer", "roberta")],
)
def test_tokenizer_family_from_tokenizer_config(tmp_path, tokenizer_class, expected):
    folder = _folder(tmp_path, tokenizer_config__json={"tokenizer_class": tokenizer_class})
    assert bert_score_tokenizer_type(folder) == expected


def test_sentencepiece_tokenizers_are_refused_by_name(tmp_path):
    folder = _folder(tmp_path, tokenizer_config__json={"tokenizer_class": "XLMRobertaTokenizer"})
    with pytest.raises(UnsupportedModel, match="XLMRobertaTokenizer"):
        bert_score_tokenizer_type(folder)


def test_only_mean_pooled_sentence_transformers_are_served(tmp_path):
    modules = [{"type": "sentence_transformers.models.Transformer", "path": ""},
               {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]
    folder = _folder(tmp_path, modules__json=modules, **{"1_Pooling__config.json": {"pooling_mode_cls_token": True}})
    with pytest.raises(UnsupportedModel, match="pooling_mode_cls_token"):
        check_sentence_transformer(folder, "x")
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    check_sentence_transformer(folder, "x")
    with pytest.raises(UnsupportedModel, match="no modules.json"):
        check_sentence_transformer(tmp_path / "missing", "x")


def test_embed_max_length_is_sentence_transformers_max_seq_length(tmp_path):
    folder = _folder(tmp_path, sentence_bert_config__json={"max_seq_length": 128},
                     tokenizer_config__json={"model_max_length": 512})
    assert embed_max_length(folder) == 128


def test_weights_prefer_safetensors_else_pytorch_pickle():
    assert weight_patterns(["config.json", "model.safetensors", "pytorch_model.bin"]) == ["*.safetensors"]
    assert weight_patterns(["config.json", "pytorch_model.bin", "onnx/model.safetensors"]) == ["pytorch_model*.bin"]
