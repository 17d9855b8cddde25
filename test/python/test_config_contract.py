"""Every config.pbtxt (default repository and fixtures) against the tables of triton-models/README.md."""

import json
import re

import pytest
from contract_readme import parse_contract
from gpu_bridge_export.default_repository import default_configs
from paths import FIXTURE_REPOSITORY, ROOT, TRITON_MODELS
from pb_utils_harness import read_config

CONTRACT = parse_contract(TRITON_MODELS / "README.md")
TEXT_MODELS = {"embed": "embed", "bertscore": "bertscore", "bertscore-all-MiniLM-L6-v2": "bertscore"}


def _tensors(entries):
    return [(t["name"], t["data_type"], [int(d) for d in t["dims"]]) for t in entries]


def _contract_tensors(tensors):
    return [(t.name, t.data_type, t.dims) for t in tensors]


def _config(name, repository=TRITON_MODELS):
    return read_config(repository / name / "config.pbtxt")


def _parameters(config):
    return {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}


def test_readme_parses_into_every_model():
    assert set(CONTRACT["models"]) >= {"all-MiniLM-L6-v2", "roberta-large", "embed", "bertscore", "device_info"}
    assert CONTRACT["layout"] == [
        "all-MiniLM-L6-v2", "roberta-large", "embed", "bertscore", "bertscore-all-MiniLM-L6-v2", "device_info"
    ]


@pytest.mark.parametrize("name", CONTRACT["layout"])
def test_committed_config_matches_contract_tables(name):
    config = _config(name)
    assert config["name"] == name
    contract = CONTRACT["models"][TEXT_MODELS.get(name, name)]
    assert _tensors(config.get("input", [])) == _contract_tensors(contract.inputs)
    if name == "bertscore-all-MiniLM-L6-v2" or name == "bertscore":
        assert [i.get("optional", False) for i in config["input"]] == [False, False, True]
    assert _tensors(config["output"]) == _contract_tensors(contract.outputs)
    if name in ("all-MiniLM-L6-v2", "roberta-large"):
        assert config["backend"] == "onnxruntime"
        assert int(config["max_batch_size"]) == CONTRACT["encoder_max_batch_size"]
        assert "dynamic_batching" in config
    elif name == "device_info":
        assert int(config["max_batch_size"]) == 0 and not config.get("input")
    else:
        assert config["backend"] == "python"
        batch = CONTRACT["embed_max_batch_size"] if name == "embed" else CONTRACT["bertscore_max_batch_size"]
        assert int(config["max_batch_size"]) == batch


@pytest.mark.parametrize("name", ["embed", "bertscore", "bertscore-all-MiniLM-L6-v2", "device_info"])
def test_discovery_parameters(name):
    parameters = _parameters(_config(name))
    documented = CONTRACT["parameters"]
    assert set(parameters) <= set(documented), "undocumented parameter"
    task = parameters["task"]
    assert task in re.findall(r"`(\w+)`", documented["task"]["meaning"])
    if task == "device_info":
        return
    required = {k for k, v in documented.items() if k == "task" or task in v["on"]}
    assert set(parameters) == required
    assert (TRITON_MODELS / parameters["encoder_model"] / "config.pbtxt").is_file()
    meaning = documented["max_length"]["meaning"]
    assert re.search(rf"{task} {parameters['max_length']}\b", meaning), meaning
    if task == "bertscore":
        layers = documented["num_layers"]["meaning"]
        assert f"{parameters['num_layers']} for {parameters['model_name']}" in layers
        assert parameters["tokenizer_type"] in re.findall(r"`(\w+)`", documented["tokenizer_type"]["meaning"])
        expected_flavour = "roberta" if parameters["model_name"].startswith("roberta") else "bert"
        assert parameters["tokenizer_type"] == expected_flavour


def test_bertscore_rescale_baseline_is_roberta_large_l17_en():
    from gpu_bridge_export.baseline import bert_score_baseline_path, read_baseline_row

    p, r, f = read_baseline_row(bert_score_baseline_path("roberta-large"), 17)
    line = re.search(r"roberta-large L17 en: P ([\d.]+), R ([\d.]+), F ([\d.]+)", CONTRACT["text"])
    assert (p, r, f) == tuple(float(x) for x in line.groups())
    assert _parameters(_config("bertscore"))["baseline_lang"] == "en"


def test_committed_configs_are_what_the_export_code_writes():
    for config in default_configs():
        assert (TRITON_MODELS / config.name / "config.pbtxt").read_text() == config.render(), config.name


@pytest.mark.parametrize("name", ["embed", "bertscore", "bertscore-tiny-bert", "device_info"])
def test_fixture_text_models_follow_the_contract(name):
    config = _config(name, FIXTURE_REPOSITORY)
    contract = CONTRACT["models"]["bertscore" if name.startswith("bertscore") else name]
    # hidden sizes differ (tiny models), names, dtypes and ranks must not
    assert [(n, t, len(d)) for n, t, d in _tensors(config.get("input", []))] == [
        (n, t, len(d)) for n, t, d in _contract_tensors(contract.inputs)
    ]
    assert [(n, t, len(d)) for n, t, d in _tensors(config["output"])] == [
        (n, t, len(d)) for n, t, d in _contract_tensors(contract.outputs)
    ]
    parameters = _parameters(config)
    if parameters["task"] != "device_info":
        assert (FIXTURE_REPOSITORY / parameters["encoder_model"] / "1" / "tokenizer.json").is_file()


def test_every_row_of_the_errors_table_is_a_case_the_suites_run():
    """test/contract/cases.json is what the real Triton and the runtime are held to; it must be this table."""
    cases = json.loads((ROOT / "test" / "contract" / "cases.json").read_text())["cases"]
    rows = CONTRACT["errors"]
    assert [r["when"] for r in rows] == [c["when"] for c in cases]
    for row, case in zip(rows, cases):
        assert (row["status"], row["grpc"], row["by"]) == (case["status"], case["grpc"], case["by"]), row["when"]
        assert row["message"].startswith(f"`{case['message']}`"), row["when"]
