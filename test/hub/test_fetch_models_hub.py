"""fetch-models' hub-ONNX route end to end, as the quick start runs it: the real CLI against a loopback hub holding
all-MiniLM-L6-v2 (real weights, Optimum's export as the hub publishes it) and a 24-layer RoBERTa in
FacebookAI/roberta-large's place, the surgery in the torch-free .cache/onnx-surgery, then the proxy serving /embed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request

import numpy as np
import pytest
from encoder_io import TEXTS, batch, max_differences, run
from fetch_models_run import MINILM, ROBERTA, TSX, committed_repository, fetch_models
from gpu_bridge_export.baseline import bert_score_baseline_path
from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.encoder_export import ExportOptions, export_encoder
from hub_env import SURGERY_PYTHON
from loopback_hub import LoopbackHub
from paths import ROOT, TRITON_MODELS


@pytest.fixture(scope="module")
def hub(hub_repos):
    hub = LoopbackHub({MINILM: hub_repos["all-MiniLM-L6-v2"], ROBERTA: hub_repos["roberta-large"]}).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def fetched(hub, tmp_path_factory):
    root = tmp_path_factory.mktemp("fetched")
    repository, cache = committed_repository(root / "repository"), root / "downloads"
    result = fetch_models(hub.url, repository, cache)
    return repository, cache, result, list(hub.requests)


def test_both_encoders_are_converted_from_the_hub_commit(fetched, hub):
    repository, cache, result, _ = fetched
    assert result.returncode == 0, result.stdout + result.stderr
    for name, entry in CATALOG.items():
        source = f"{entry.hub_repo}@{hub.commits[entry.hub_repo]}/{entry.hub_onnx_file}"
        assert f"converted: {name} from {source}" in result.stdout
        info = json.loads((repository / name / "1" / "export-info.json").read_text())
        assert info["source"] == source and info["num_layers"] == entry.spec.num_layers
        # config.pbtxt rewritten as committed (the stand-in of roberta-large is 32 wide, not 1024)
        committed = (TRITON_MODELS / name / "config.pbtxt").read_text().replace("[ -1, 1024 ]", "[ -1, 32 ]")
        assert (repository / name / "config.pbtxt").read_text() == committed
    baseline = (repository / "roberta-large" / "1" / "baseline.tsv").read_bytes()
    assert baseline == bert_score_baseline_path("roberta-large").read_bytes()
    minilm_config = json.loads((hub.repos[MINILM] / "config.json").read_text())
    info = json.loads((repository / "all-MiniLM-L6-v2" / "1" / "export-info.json").read_text())
    assert info["transformers_version"] == minilm_config["transformers_version"]
    assert not [p for p in cache.rglob("*") if p.is_file()], "downloads are removed once the surgery has used them"
    size = hub.files[MINILM]["onnx/model.onnx"].size
    assert f"{MINILM}/onnx/model.onnx: downloading {size} bytes\n{MINILM}/onnx/model.onnx: done" in result.stdout


def test_only_the_needed_files_are_downloaded_from_the_commit(fetched, hub):
    requests = [path for path, _ in fetched[3]]
    for repo, commit in hub.commits.items():
        assert f"/api/models/{repo}/revision/main" in requests
        downloads = {p.split(f"/resolve/{commit}/", 1)[1] for p in requests if p.startswith(f"/{repo}/resolve/")}
        entry = next(e for e in CATALOG.values() if e.hub_repo == repo)
        assert downloads == {entry.hub_onnx_file, "config.json", "tokenizer.json"}
    onnx_sha256 = {hub.files[r][CATALOG[m].hub_onnx_file].sha256 for r, m in ((MINILM, "all-MiniLM-L6-v2"),
                                                                            (ROBERTA, "roberta-large"))}
    assert {p.removeprefix("/cdn/") for p in requests if p.startswith("/cdn/")} == onnx_sha256


def test_the_surgery_ran_without_torch():
    probe = subprocess.run([str(SURGERY_PYTHON), "-c", "import torch"], capture_output=True, text=True, check=False)
    assert probe.returncode != 0 and "No module named 'torch'" in probe.stderr


def test_the_encoders_equal_the_torch_export(fetched, model_dirs, tmp_path):
    repository = fetched[0]
    for name, model_dir, max_length in (("all-MiniLM-L6-v2", model_dirs["minilm"], 256),
                                        ("roberta-large", model_dirs["roberta-24"], 512)):
        torch_export = export_encoder(CATALOG[name].spec, model_dir, tmp_path, ExportOptions()) / "1" / "model.onnx"
        ids, mask = batch(repository / name / "1" / "tokenizer.json", TEXTS, max_length)
        differences = max_differences(run(repository / name / "1" / "model.onnx", ids, mask),
                                      run(torch_export, ids, mask), mask)
        assert max(differences.values()) <= 1e-5, (name, differences)


def test_a_second_run_downloads_nothing(fetched, hub):
    repository, cache, _, _ = fetched
    hub.requests.clear()
    again = fetch_models(hub.url, repository, cache)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("up to date: ") == 2
    assert all(path.startswith("/api/models/") for path, _ in hub.requests), hub.requests


def test_the_proxy_serves_embed_from_the_fetched_repository(fetched):
    from sentence_transformers import SentenceTransformer

    repository = fetched[0]
    env = {**os.environ, "MODEL_REPOSITORY": str(repository), "PORT": "0", "HOST": "127.0.0.1"}
    env.pop("TRITON_URL", None)
    proxy = subprocess.Popen([str(TSX), str(ROOT / "proxy" / "src" / "node" / "main.ts")], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proxy.stdout.readline()
        assert '"listening"' in line, line + proxy.stderr.read()
        url = json.loads(line)["url"]
        texts = TEXTS[:6]
        body = json.dumps({"texts": texts}).encode()
        req = urllib.request.Request(f"{url}/embed", data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as response:
            assert response.status == 200
            answer = json.loads(response.read())
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
    from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

    expected = SentenceTransformer(str(pypi_minilm_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert answer["model"] == "all-MiniLM-L6-v2" and answer["dimensions"] == 384
    np.testing.assert_allclose(np.array(answer["embeddings"]), expected, atol=1e-5)


def test_an_interrupted_download_is_resumed(hub_repos, tmp_path):
    hub = LoopbackHub({MINILM: hub_repos["all-MiniLM-L6-v2"]}).start()
    commit, onnx_file = hub.commits[MINILM], hub.files[MINILM]["onnx/model.onnx"]
    cache = tmp_path / "downloads"
    partial = cache / MINILM / commit / "onnx" / "model.onnx.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(onnx_file.path.read_bytes()[:1_000_000])  # what a cut-off run leaves
    try:
        repository = committed_repository(tmp_path / "repository")
        result = fetch_models(hub.url, repository, cache, "--model", "all-MiniLM-L6-v2")
    finally:
        hub.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{MINILM}/onnx/model.onnx: resuming at 1000000 of {onnx_file.size} bytes" in result.stdout
    assert (f"/cdn/{onnx_file.sha256}", "bytes=1000000-") in hub.requests
    assert (repository / "all-MiniLM-L6-v2" / "1" / "model.onnx").is_file()


def test_a_repository_without_the_onnx_file_fails_that_model_alone(hub_repos, tmp_path):
    roberta = tmp_path / "roberta-without-onnx"
    shutil.copytree(hub_repos["roberta-large"], roberta, ignore=shutil.ignore_patterns("*.onnx"))
    hub = LoopbackHub({MINILM: hub_repos["all-MiniLM-L6-v2"], ROBERTA: roberta}).start()
    try:
        result = fetch_models(hub.url, committed_repository(tmp_path / "repository"), tmp_path / "downloads")
    finally:
        hub.stop()
    assert result.returncode == 1
    assert f"failed: roberta-large: {ROBERTA} at {hub.commits[ROBERTA]} publishes no model.onnx" in result.stdout
    assert "converted: all-MiniLM-L6-v2" in result.stdout


def test_a_corrupted_download_is_refused(hub_repos, tmp_path):
    hub = LoopbackHub({MINILM: hub_repos["all-MiniLM-L6-v2"]}).start()
    hub.corrupt.add(f"{MINILM}/tokenizer.json")
    try:
        repository = committed_repository(tmp_path / "repository")
        result = fetch_models(hub.url, repository, tmp_path / "downloads", "--model", "all-MiniLM-L6-v2")
    finally:
        hub.stop()
    assert result.returncode == 1
    assert re.search(r"failed: all-MiniLM-L6-v2: git blob sha1 mismatch for tokenizer\.json", result.stdout), result.stdout
    assert not (repository / "all-MiniLM-L6-v2" / "1" / "model.onnx").exists()


def test_an_unreachable_hub_is_said_so(tmp_path):
    hub = LoopbackHub({}).start()
    closed = hub.url
    hub.stop()
    result = fetch_models(closed, tmp_path / "repository", tmp_path / "downloads", "--no-pypi-fallback")
    assert result.returncode == 1
    assert "fetch-models: GET " + closed + "/api/models/" in result.stderr and "ECONNREFUSED" in result.stderr
