"""examples/: the tritonclient example (HTTP) and the raw KServe v2 curl examples, run against the embedded
runtime's standalone KServe v2 server (npm run runtime -w proxy) serving the test fixtures' model repository (a Triton stand-in), with
the results compared to the goldens the reference packages computed. The gRPC path cannot run here: the embedded
runtime speaks KServe v2 over HTTP only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from kserve_grpc_bridge import start_bridge
from stack_helpers import ROOT

FIXTURES = ROOT / "test" / "fixtures"
EXAMPLE = ROOT / "examples" / "triton_client.py"
CURL_EXAMPLE = ROOT / "examples" / "kserve-curl.sh"


@pytest.fixture(scope="module")
def grpc_url(triton_url: str) -> Iterator[str]:
    server, url = start_bridge(triton_url)
    yield url
    server.stop(grace=None)


@pytest.fixture(params=["http", "grpc"])
def endpoint(request: pytest.FixtureRequest, triton_url: str) -> tuple[str, str]:
    url = triton_url if request.param == "http" else request.getfixturevalue("grpc_url")
    return request.param, url


def run_example(endpoint: tuple[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    protocol, url = endpoint
    return subprocess.run([sys.executable, str(EXAMPLE), "--protocol", protocol, "--url", url, *args],
                          check=False, capture_output=True, text=True, timeout=60)


def golden(name: str) -> dict:
    return json.loads((FIXTURES / "goldens" / f"{name}.json").read_text())


def test_info_lists_the_models_and_the_device(endpoint: tuple[str, str]) -> None:
    result = run_example(endpoint, "info")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["ready"] is True
    assert {"embed", "bertscore", "device_info"} <= set(out["models"])
    assert out["device"]["DEVICE"] == "cpu"
    assert out["device"]["VRAM_TOTAL_MB"] == -1


def test_embed_matches_sentence_transformers(endpoint: tuple[str, str]) -> None:
    cases = [c for c in golden("embed")["cases"] if c["text"].strip()][:6]
    result = run_example(endpoint, "embed", *[c["text"] for c in cases])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    vectors = np.array(out["embeddings"])
    expected = np.array([c["embedding"] for c in cases])
    assert out["shape"] == list(expected.shape)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    np.testing.assert_allclose(np.array(out["cosine_similarity"]), expected @ expected.T, atol=1e-5)


@pytest.mark.parametrize("case_name", ["multi-reference-idf", "rescale-idf-multi-reference", "pairs"])
def test_bertscore_matches_bert_score(endpoint: tuple[str, str], case_name: str) -> None:
    case = next(c for c in golden("bertscore")["cases"] if c["name"] == case_name)
    flags = [flag for flag, on in (("--idf", case["idf"]), ("--rescale", case["rescale_with_baseline"])) if on]
    result = run_example(endpoint, "bertscore", "--candidates", json.dumps(case["cands"]),
                         "--references", json.dumps(case["refs"]), *flags)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for ours, theirs in (("precision", "P"), ("recall", "R"), ("f1", "F")):
        np.testing.assert_allclose(out[ours], case[theirs], atol=1e-5, err_msg=ours)
    assert out["hash"] == case["hash"]


def test_a_server_error_reaches_the_user(endpoint: tuple[str, str]) -> None:
    # bertscore-tiny-bert has no baseline: the server refuses to rescale
    result = run_example(endpoint, "bertscore", "--model", "bertscore-tiny-bert", "--candidates", '["a"]',
                         "--references", '[["b"]]', "--rescale")
    assert result.returncode == 1
    assert "no rescale baseline" in json.loads(result.stderr)["error"]


def curl_sections(output: str) -> dict[str, object]:
    sections: dict[str, object] = {}
    title = None
    for line in output.splitlines():
        if line.startswith("### "):
            title = line[4:]
        elif line.strip() and title is not None:
            sections[title] = json.loads(line)
            title = None
    return sections


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_examples_run_against_a_kserve_v2_server(triton_url: str) -> None:
    result = subprocess.run(["bash", str(CURL_EXAMPLE)], check=False, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "TRITON_URL": f"http://{triton_url}"})
    assert result.returncode == 0, result.stderr
    out = curl_sections(result.stdout)
    assert out["live"] == {"status": 200} and out["ready"] == {"status": 200}
    assert {m["name"] for m in out["repository index"]} >= {"embed", "bertscore", "device_info"}
    assert out["embed config"]["parameters"]["task"]["string_value"] == "embed"

    embedding = next(o for o in out["embed"]["outputs"] if o["name"] == "EMBEDDING")
    assert embedding["datatype"] == "FP32"
    rows = np.array(embedding["data"]).reshape(embedding["shape"])
    assert rows.shape[0] == 2
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)

    scores = {o["name"]: o for o in out["bertscore, two candidates, 2 and 1 references, idf"]["outputs"]}
    assert set(scores) == {"PRECISION", "RECALL", "F1", "HASH"}
    assert scores["F1"]["shape"] == [2, 1]
    assert "_idf_" in scores["HASH"]["data"][0]
    assert out["device_info"]["outputs"]
    assert out["error: rows differ"]["error"].startswith("CANDIDATE has 2 rows but REFERENCE has 1")
