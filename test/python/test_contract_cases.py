"""test/contract/cases.json under the pb_utils harness: the committed model.py files refuse the cases a model refuses
(the rest Triton's core refuses before a model runs) and answer every spelling of a `same_outputs` request alike."""

import json

import numpy as np
import pytest
from paths import ROOT, model_py
from pb_utils_harness import InferenceRequest, Tensor, TritonError, execute, load_model

CONTRACT = json.loads((ROOT / "test" / "contract" / "cases.json").read_text(encoding="utf-8"))
# by role, as in the TypeScript suites: bertscore-tiny-bert has no baseline, bertscore (tiny-roberta) an en one
MODELS = {"embed": ("embed", "embed"), "bertscore": ("bertscore-tiny-bert", "bertscore"), "bertscore_rescaled": ("bertscore", "bertscore")}
DTYPES = {"BYTES": np.object_, "INT32": np.int32}


def _array(spec: dict) -> np.ndarray:
    count = int(np.prod(spec["shape"]))
    if "repeat" in spec:
        data = [spec["repeat"].encode()] * count
    else:
        data = [bytes.fromhex(d["hex"]) if isinstance(d, dict) else d.encode() if isinstance(d, str) else d
                for d in spec["data"]]
    return np.array(data, dtype=DTYPES[spec["datatype"]]).reshape(spec["shape"])


def _request(case: dict, parameters: dict | None) -> InferenceRequest:
    return InferenceRequest(
        inputs=[Tensor(spec["name"], _array(spec)) for spec in case["inputs"]],
        requested_output_names=case.get("outputs", []),
        parameters=parameters,
    )


@pytest.fixture(scope="module")
def models(fixture_repository):
    return {role: load_model(fixture_repository, name, model_py(code)) for role, (name, code) in MODELS.items()}


@pytest.mark.parametrize(
    "case", [c for c in CONTRACT["cases"] if c["by"] == "model" and c["model"] in MODELS], ids=lambda c: c["when"]
)
def test_a_model_refuses_what_the_errors_table_says(models, fixture_repository, case):
    (response,) = execute(models[case["model"]], fixture_repository, [_request(case, case.get("parameters"))])
    assert response.has_error(), case["when"]
    assert response.error().code() == TritonError.INVALID_ARG
    assert case["message"] in response.error().message()


@pytest.mark.parametrize("case", CONTRACT["same_outputs"], ids=lambda c: c["when"])
def test_every_spelling_gives_the_same_outputs(models, fixture_repository, case):
    requests = [_request(case, spelling) for spelling in case["spellings"]]
    responses = execute(models["bertscore_rescaled"], fixture_repository, requests)
    answers = []
    for spelling, response in zip(case["spellings"], responses):
        assert not response.has_error(), f"{spelling}: {response.error() and response.error().message()}"
        answers.append({t.name(): t.as_numpy() for t in response.output_tensors()})
    for spelling, answer in zip(case["spellings"][1:], answers[1:]):
        assert answer.keys() == answers[0].keys()
        for name, value in answer.items():
            np.testing.assert_array_equal(value, answers[0][name], err_msg=f"{name} for {spelling}")
    for name, expected in case["expect"].items():
        assert [v.decode() for v in answers[0][name][:, 0]] == expected
