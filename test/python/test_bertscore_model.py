"""bertscore/1/model.py under the pb_utils harness vs bert_score goldens (tiny-roberta L2, tiny-bert L3)."""

import json
import shutil

import numpy as np
import pytest
from paths import GOLDENS, TRITON_MODELS, model_py
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
    # TYPE_FP32 in the config: Triton refuses an output of another type
    assert [out[name].dtype for name in ("PRECISION", "RECALL", "F1")] == [np.float32] * 3
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


def test_a_model_loaded_here_rescales_with_the_baseline_row_of_its_layer_count(fixture_repository):
    """initialize() as well as scoring: the module's models are loaded once, so mutation testing (which runs the
    tests that ran a function) credits initialize() to the first test only; this one loads its own."""
    model = load_model(fixture_repository, "bertscore", model_py("bertscore"))
    for case in (c for c in _golden("bertscore")["cases"] if c["rescale_with_baseline"]):
        (response,) = execute(model, fixture_repository, [_request(case)])
        np.testing.assert_allclose(_scores(response)["F1"][:, 0], case["F"], atol=1e-5, err_msg=case["name"])
    # an empty lang is the default, en
    case = next(c for c in _golden("bertscore")["cases"] if c["name"] == "rescale")
    req = _request(case)
    req = request({"rescale_with_baseline": True, "lang": ""}, **{t.name(): t.as_numpy() for t in req.inputs()})
    (response,) = execute(model, fixture_repository, [req])
    np.testing.assert_allclose(_scores(response)["RECALL"][:, 0], case["R"], atol=1e-5)


def test_reference_of_another_rank_is_read_as_one_row_per_candidate(models, fixture_repository):
    """REFERENCE is [batch, references]; a flat [batch] (one reference each), a scalar (one candidate) or a
    [batch, references, 1] tensor is read as those rows."""
    model = models["bertscore"]
    pairs = next(c for c in _golden("bertscore")["cases"] if c["name"] == "pairs")
    flat = np.array([r.encode() for (r,) in pairs["refs"]], dtype=np.object_)
    multi = next(c for c in _golden("bertscore")["cases"] if c["name"] == "multi-reference")
    references, counts = bytes_rows(multi["refs"])
    scalar = np.array(pairs["refs"][0][0].encode(), dtype=np.object_)
    for case, req in (
        (pairs, request(CANDIDATE=bytes_column(pairs["cands"]), REFERENCE=flat)),
        (multi, request(CANDIDATE=bytes_column(multi["cands"]), REFERENCE=references[:, :, None],
                        REFERENCE_COUNT=counts)),
    ):
        (response,) = execute(model, fixture_repository, [req])
        np.testing.assert_allclose(_scores(response)["F1"][:, 0], case["F"], atol=1e-5, err_msg=case["name"])
    (response,) = execute(model, fixture_repository, [request(CANDIDATE=bytes_column(pairs["cands"][:1]),
                                                              REFERENCE=scalar)])
    np.testing.assert_allclose(_scores(response)["F1"][:, 0], pairs["F"][:1], atol=1e-5)


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
        'parameter use_fast_tokenizer must be a boolean, got "fast"': request({"use_fast_tokenizer": "fast"}, **one),
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


def _repository(tmp_path, fixture_repository, change=None):
    """The fixtures' repository as a deployment holds it: the root modules and data files of triton-models/ and the
    shipped bertscore model.py copied in; `change(root)` then alters the copy."""
    repository = tmp_path / "repository"
    shutil.copytree(fixture_repository, repository)
    for path in [*TRITON_MODELS.glob("*.py"), *TRITON_MODELS.glob("*.json")]:
        shutil.copyfile(path, repository / path.name)
    (repository / "bertscore" / "1").mkdir()
    shutil.copyfile(model_py("bertscore"), repository / "bertscore" / "1" / "model.py")
    if change:
        change(repository)
    return repository


def _golden_hash(idf: bool) -> str:
    """bert_score's own hash for the fixture encoder, from the reference environment (goldens/bertscore.json)."""
    return next(c["hash"] for c in _golden("bertscore")["cases"] if c["idf"] == idf and not c["rescale_with_baseline"])


def _hash_of(model, repository, parameters=None) -> str:
    req = request(parameters, CANDIDATE=bytes_column(["a"]), REFERENCE=bytes_column(["b"]))
    (response,) = execute(model, repository, [req])
    return _scores(response)["HASH"][0, 0].decode()


def _edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_hash_names_the_reference_versions_not_the_exporters_transformers(tmp_path, fixture_repository):
    """bert_score_reference.json decides the hash; export-info.json's transformers_version is provenance only."""
    info = ("tiny-roberta", "1", "export-info.json")
    for change in (lambda i: i.update(transformers_version="9.9.9"), lambda i: i.pop("transformers_version")):
        repository = _repository(tmp_path / str(id(change)), fixture_repository,
                                 lambda root, change=change: _edit_json(root.joinpath(*info), change))
        model = load_model(repository, "bertscore")
        assert _hash_of(model, repository) == _golden_hash(idf=False)
        assert _hash_of(model, repository, {"idf": True}) == _golden_hash(idf=True)
        fast = _hash_of(model, repository, {"use_fast_tokenizer": True})
        assert fast == _golden_hash(idf=False) + "_fast-tokenizer"


REFERENCE_FILE = "bert_score_reference.json"


def _edit_reference(change):
    return lambda root: _edit_json(root / REFERENCE_FILE, change)


def test_the_hash_follows_the_reference_file(tmp_path, fixture_repository):
    versions = {"bert_score_version": "1.2.3", "transformers_version": "7.8.9"}
    repository = _repository(tmp_path, fixture_repository, _edit_reference(lambda r: r.update(versions)))
    model = load_model(repository, "bertscore")
    assert _hash_of(model, repository) == "tiny-roberta_L2_no-idf_version=1.2.3(hug_trans=7.8.9)"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda root: (root / REFERENCE_FILE).unlink(), r"bert_score_reference\.json is missing"),
        (lambda root: (root / REFERENCE_FILE).write_text("{"), r"bert_score_reference\.json is not readable JSON"),
        (_edit_reference(lambda r: r.pop("transformers_version")), r"\.json names no transformers_version$"),
        (_edit_reference(lambda r: r.update(bert_score_version="")), r"\.json names no bert_score_version$"),
        (_edit_reference(lambda r: r.update(unicode_version="16.0.0")),
         r"bert_score_unicode\.json holds Unicode 15\.0\.0, .*bert_score_reference\.json names 16\.0\.0$"),
        (lambda root: (root / "bert_score_unicode.json").unlink(), r"bert_score_unicode\.json is missing or unreadable"),
    ],
    ids=["missing", "not JSON", "no transformers_version", "empty bert_score_version", "other Unicode", "no tables"],
)
def test_a_repository_without_a_usable_reference_file_does_not_load(tmp_path, fixture_repository, change, reason):
    repository = _repository(tmp_path, fixture_repository, change)
    with pytest.raises(TritonModelException, match=reason):
        load_model(repository, "bertscore")
