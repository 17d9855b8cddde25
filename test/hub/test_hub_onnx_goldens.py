"""The goldens hold unchanged on encoders made by the graph surgery: the fixture repository with its tiny-bert and
tiny-roberta encoders replaced by convert_hub_onnx's, from Optimum-made hub exports, under the real model.py files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.hub_onnx.convert import convert_hub_onnx
from paths import FIXTURE_REPOSITORY, FIXTURES, GOLDENS, model_py
from pb_utils_harness import bytes_column, bytes_rows, execute, load_model, request


@pytest.fixture(scope="module")
def repository(hub_repos, tmp_path_factory):
    repository = tmp_path_factory.mktemp("surgery-repository")
    shutil.copytree(FIXTURE_REPOSITORY, repository, dirs_exist_ok=True)
    for name in ("tiny-bert", "tiny-roberta"):
        shutil.rmtree(repository / name)
    convert_hub_onnx(EncoderSpec("tiny-bert", None, sentence_embedding=True), hub_repos["tiny-bert"],
                     "onnx/model.onnx", repository, source="tiny-bert@hub", instance_kind="KIND_CPU")
    convert_hub_onnx(EncoderSpec("tiny-roberta", 2, sentence_embedding=False), hub_repos["tiny-roberta-fill-mask"],
                     "model.onnx", repository, source="tiny-roberta@hub", baseline=FIXTURES / "hf" / "tiny-roberta-baseline-en.tsv",
                     instance_kind="KIND_CPU")
    return repository


def test_the_surgery_wrote_the_encoders(repository):
    for name in ("tiny-bert", "tiny-roberta"):
        info = json.loads((repository / name / "1" / "export-info.json").read_text())
        assert info["source"] == f"{name}@hub" and "graph surgery" in info["format"]
        assert (repository / name / "config.pbtxt").read_text() == (FIXTURE_REPOSITORY / name / "config.pbtxt").read_text()
        written = json.loads((repository / name / "1" / "tokenizer.json").read_text())
        assert written["truncation"] is None and written["padding"] is None


def test_embed_goldens(repository):
    golden = json.loads((GOLDENS / "embed.json").read_text(encoding="utf-8"))
    model = load_model(repository, "embed", model_py("embed"))
    texts = [case["text"] for case in golden["cases"]]
    (response,) = execute(model, repository, [request(TEXT=bytes_column(texts))])
    assert not response.has_error(), response.error() and response.error().message()
    expected = np.array([case["embedding"] for case in golden["cases"]], dtype=np.float32)
    np.testing.assert_allclose(response.output_tensors()[0].as_numpy(), expected, atol=2e-5)


@pytest.mark.parametrize(("model_name", "golden_file"),
                         [("bertscore", "bertscore.json"), ("bertscore-tiny-bert", "bertscore-tiny-bert.json")])
def test_bertscore_goldens(repository, model_name, golden_file):
    model = load_model(repository, model_name, model_py("bertscore"))
    cases = json.loads((GOLDENS / golden_file).read_text(encoding="utf-8"))["cases"]
    for case in cases:
        references, counts = bytes_rows(case["refs"])
        parameters = {"idf": case["idf"], "rescale_with_baseline": case["rescale_with_baseline"]}
        req = request(parameters, CANDIDATE=bytes_column(case["cands"]), REFERENCE=references, REFERENCE_COUNT=counts)
        (response,) = execute(model, repository, [req])
        assert not response.has_error(), response.error() and response.error().message()
        out = {t.name(): t.as_numpy() for t in response.output_tensors()}
        for output, key in (("PRECISION", "P"), ("RECALL", "R"), ("F1", "F")):
            np.testing.assert_allclose(out[output][:, 0], case[key], atol=1e-5, err_msg=f"{output} {case['name']}")
        assert [h.decode() for h in out["HASH"][:, 0]] == [case["hash"]] * len(case["cands"])
