"""bertscore/1/model.py under the pb_utils harness vs bert_score goldens (tiny-roberta L2, tiny-bert L3)."""

import json
import shutil

import numpy as np
import pytest
from paths import GOLDENS, model_py
from pb_utils_harness import (
    RUNTIME,
    TritonError,
    TritonModelException,
    bytes_column,
    bytes_rows,
    execute,
    load_model,
    request,
)

MODELS = {"bertscore": "bertscore.json", "bertscore-tiny-bert": "bertscore-tiny-bert.json"}


def _golden(model_name):
    return json.loads((GOLDENS / MODELS[model_name]).read_text(encoding="utf-8"))


def _cases():
    return [(m, case) for m in MODELS for case in _golden(m)["cases"]]


@pytest.fixture(scope="module")
def models(fixture_repository):
    return {name: load_model(fixture_repository, name, model_py("bertscore")) for name in MODELS}


def _request(case):
    references, counts = bytes_rows(case["refs"])
    parameters = {"idf": case["idf"], "rescale_with_baseline": case["rescale_with_baseline"]}
    return request(parameters, CANDIDATE=bytes_column(case["cands"]), REFERENCE=references, REFERENCE_COUNT=counts)


def _scores(response):
    assert not response.has_error(), response.error() and response.error().message()
    out = {t.name(): t.as_numpy() for t in response.output_tensors()}
    return out


@pytest.mark.parametrize(("model_name", "case"), _cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_matches_bert_score(models, fixture_repository, model_name, case):
    (response,) = execute(models[model_name], fixture_repository, [_request(case)])
    out = _scores(response)
    for output, key in (("PRECISION", "P"), ("RECALL", "R"), ("F1", "F")):
        assert out[output].shape == (len(case["cands"]), 1)
        np.testing.assert_allclose(out[output][:, 0], case[key], atol=1e-5, err_msg=f"{output} {case['name']}")
    assert [h.decode() for h in out["HASH"][:, 0]] == [case["hash"]] * len(case["cands"])


def test_many_requests_in_one_execute_match_one_by_one(models, fixture_repository):
    cases = _golden("bertscore")["cases"]
    responses = execute(models["bertscore"], fixture_repository, [_request(case) for case in cases])
    for case, response in zip(cases, responses):
        np.testing.assert_allclose(_scores(response)["F1"][:, 0], case["F"], atol=1e-5, err_msg=case["name"])


def test_padding_beyond_reference_count_is_ignored(models, fixture_repository):
    case = next(c for c in _golden("bertscore")["cases"] if c["name"] == "multi-reference-idf")
    references, counts = bytes_rows(case["refs"], width=5)
    references[:, 4] = b"noise that must not count"
    parameters = {"idf": True}
    req = request(parameters, CANDIDATE=bytes_column(case["cands"]), REFERENCE=references, REFERENCE_COUNT=counts)
    (response,) = execute(models["bertscore"], fixture_repository, [req])
    np.testing.assert_allclose(_scores(response)["F1"][:, 0], case["F"], atol=1e-5)


def test_encoder_is_asked_for_token_embeddings_in_bounded_batches(models, fixture_repository):
    RUNTIME.calls.clear()
    case = _golden("bertscore")["cases"][0]
    execute(models["bertscore"], fixture_repository, [_request(case)])
    assert RUNTIME.calls
    assert all(call.requested_outputs == ["token_embeddings"] for call in RUNTIME.calls)
    assert all(call.shapes["input_ids"][0] <= 64 for call in RUNTIME.calls)


def _error(model, repository, req):
    (response,) = execute(model, repository, [req])
    assert response.has_error()
    assert response.error().code() == TritonError.INVALID_ARG, response.error().message()
    return response.error().message()


def test_client_mistakes_are_invalid_arg_errors_on_the_response(models, fixture_repository):
    # (row counts, empty batches and a missing input where none is optional are refused by Triton itself:
    # test/triton runs those against the real server)
    model = models["bertscore"]
    refs, _ = bytes_rows([["a", "b"], ["c"]])
    two = bytes_column(["x", "y"])
    one = {"CANDIDATE": bytes_column(["c"]), "REFERENCE": bytes_column(["r"])}
    cases = {
        "invalid UTF-8 in CANDIDATE": request(CANDIDATE=bytes_column([b"\xc3\x28"]), REFERENCE=bytes_column(["r"])),
        "invalid UTF-8 in REFERENCE": request(CANDIDATE=bytes_column(["c"]), REFERENCE=bytes_column([b"\xff"])),
        # Triton counts inputs, not names: the optional REFERENCE_COUNT can stand where REFERENCE should be
        "missing input REFERENCE": request(CANDIDATE=bytes_column(["c"]), REFERENCE_COUNT=np.array([[1]], np.int32)),
        "REFERENCE_COUNT must be within 1..2, got 3": request(
            CANDIDATE=two, REFERENCE=refs, REFERENCE_COUNT=np.array([[3], [1]], np.int32)
        ),
        "REFERENCE_COUNT must be within 1..2, got 0": request(
            CANDIDATE=two, REFERENCE=refs, REFERENCE_COUNT=np.array([[0], [1]], np.int32)
        ),
        "REFERENCE_COUNT must be within 1..width": request(
            CANDIDATE=bytes_column(["c"]), REFERENCE=np.zeros((1, 0), np.object_)
        ),
        'parameter idf must be a boolean, got "maybe"': request({"idf": "maybe"}, **one),
        "parameter rescale_with_baseline must be a boolean, got 1": request({"rescale_with_baseline": 1}, **one),
        "parameter lang must be a string, got 5": request({"lang": 5}, **one),
        "no rescale baseline for tiny-roberta lang de": request({"rescale_with_baseline": True, "lang": "de"}, **one),
    }
    for prefix, req in cases.items():
        assert _error(model, fixture_repository, req).startswith(prefix), prefix
    no_baseline = request({"rescale_with_baseline": "TRUE"}, **one)
    message = _error(models["bertscore-tiny-bert"], fixture_repository, no_baseline)
    assert message.startswith("no rescale baseline for tiny-bert lang en")


def test_boolean_parameters_may_be_strings(models, fixture_repository):
    case = next(c for c in _golden("bertscore")["cases"] if c["idf"] and c["rescale_with_baseline"])
    references, counts = bytes_rows(case["refs"])
    as_strings = request({"idf": "True", "rescale_with_baseline": "1"}, CANDIDATE=bytes_column(case["cands"]),
                         REFERENCE=references, REFERENCE_COUNT=counts)
    (response,) = execute(models["bertscore"], fixture_repository, [as_strings])
    np.testing.assert_allclose(_scores(response)["F1"][:, 0], case["F"], atol=1e-5)


def test_a_bad_request_does_not_spoil_its_neighbours(models, fixture_repository):
    case = _golden("bertscore")["cases"][0]
    bad = request(CANDIDATE=bytes_column([b"\xff"]), REFERENCE=bytes_column(["r"]))
    responses = execute(models["bertscore"], fixture_repository, [bad, _request(case), bad])
    assert responses[0].has_error() and responses[2].has_error()
    np.testing.assert_allclose(_scores(responses[1])["F1"][:, 0], case["F"], atol=1e-5)


def _repository_with_export_info(tmp_path, fixture_repository, change):
    repository = tmp_path / "repository"
    shutil.copytree(fixture_repository, repository)
    info_path = repository / "tiny-roberta" / "1" / "export-info.json"
    info = json.loads(info_path.read_text())
    change(info)
    info_path.write_text(json.dumps(info))
    return repository


def test_the_hash_names_the_transformers_version_the_encoder_was_exported_with(tmp_path, fixture_repository):
    repository = _repository_with_export_info(tmp_path, fixture_repository, lambda i: i.update(transformers_version="9.9.9"))
    model = load_model(repository, "bertscore", model_py("bertscore"))
    (response,) = execute(model, repository, [request(CANDIDATE=bytes_column(["a"]), REFERENCE=bytes_column(["b"]))])
    assert _scores(response)["HASH"][0, 0].decode() == "tiny-roberta_L2_no-idf_version=0.3.12(hug_trans=9.9.9)"


def test_an_export_without_its_transformers_version_does_not_load(tmp_path, fixture_repository):
    repository = _repository_with_export_info(tmp_path, fixture_repository, lambda i: i.pop("transformers_version"))
    with pytest.raises(TritonModelException, match="export-info.json names no transformers_version"):
        load_model(repository, "bertscore", model_py("bertscore"))
