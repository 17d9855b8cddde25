"""fetch-models' hub-ONNX route on networks as they are, through the real CLI: a forward proxy named by HTTPS_PROXY /
HTTP_PROXY / NO_PROXY (the `proxy` package's server, a real one, on 127.0.0.1), the hub's storage host on another
origin, gzip, a refused token, rate limits and 5xx answers, a firewall in front of the storage host, a server that
ignores Range, and a commit that leaves the model's files as they were. What the user reads is asserted word for word
where it is the point."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fetch_models_run import MINILM, committed_repository, fetch_models
from loopback_hub import Fault, LoopbackHub
from paths import ROOT

MODEL = "all-MiniLM-L6-v2"
ONNX = "onnx/model.onnx"
TOKEN = "hf_valid"
PROXY_CLI = ROOT / "node_modules" / ".bin" / "proxy"
STORAGE_HOSTS = "cdn-lfs.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co, cas-bridge.xethub.hf.co, transfer.xethub.hf.co"


def host(url: str) -> str:
    return url.removeprefix("http://")


@pytest.fixture
def minilm_hub(hub_repos):
    hub = LoopbackHub({MINILM: hub_repos[MODEL]}, tokens={TOKEN}).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def with_token(hub_repos, tmp_path_factory):
    """One run with an accepted HF_TOKEN: the hub, the repository it wrote, and the run."""
    hub = LoopbackHub({MINILM: hub_repos[MODEL]}, tokens={TOKEN}).start()
    root = tmp_path_factory.mktemp("with-token")
    repository = committed_repository(root / "repository")
    try:
        result = fetch_models(hub.url, repository, root / "downloads", "--model", MODEL, env={"HF_TOKEN": TOKEN})
    finally:
        hub.stop()
    return hub, repository, result


def test_the_token_goes_to_the_hub_alone(with_token):
    hub, repository, result = with_token
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repository / MODEL / "1" / "model.onnx").is_file()
    onnx_sha256 = hub.files[MINILM][ONNX].sha256
    assert [(s.server, s.authorization) for s in hub.seen if s.path == f"/cdn/{onnx_sha256}"] == [("storage", None)]
    assert {s.authorization for s in hub.seen if s.server == "hub"} == {f"Bearer {TOKEN}"}


def test_metadata_comes_gzipped_and_downloads_as_the_files_bytes(with_token):
    hub, _, result = with_token
    api = next(s for s in hub.seen if s.path.startswith("/api/models/"))
    assert api.content_encoding == "gzip"
    # downloads ask for the bytes themselves, which Range and the checksum count (and which the hub would gzip)
    tokenizer = next(s for s in hub.seen if s.path.endswith("/tokenizer.json"))
    assert (tokenizer.accept_encoding, tokenizer.content_encoding) == ("identity", None)
    size = hub.files[MINILM]["tokenizer.json"].size
    assert f"{MINILM}/tokenizer.json: downloading {size} bytes\n" in result.stdout


def test_a_commit_that_leaves_the_files_as_they_were_downloads_nothing(with_token, hub_repos, tmp_path):
    _, repository, _ = with_token
    moved_on = tmp_path / "minilm-next-commit"
    shutil.copytree(hub_repos[MODEL], moved_on)
    (moved_on / "README.md").write_text("a model card edited after the export\n")
    hub = LoopbackHub({MINILM: moved_on}).start()
    try:
        result = fetch_models(hub.url, repository, tmp_path / "downloads", "--model", MODEL)
    finally:
        hub.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"^up to date: {MODEL} from {MINILM}@[0-9a-f]{{40}}/{ONNX}$", result.stdout, re.MULTILINE), result.stdout
    assert [path for path, _ in hub.requests] == [f"/api/models/{MINILM}/revision/main"]


def test_an_export_without_recorded_digests_is_current_at_its_commit(with_token, hub_repos, tmp_path):
    hub, repository, _ = with_token
    legacy = tmp_path / "repository"
    shutil.copytree(repository, legacy)
    info_path = legacy / MODEL / "1" / "export-info.json"
    info = json.loads(info_path.read_text())
    del info["source_files"]  # as fetch-models wrote it before it recorded them
    info_path.write_text(json.dumps(info))
    again = LoopbackHub({MINILM: hub_repos[MODEL]}).start()
    try:
        result = fetch_models(again.url, legacy, tmp_path / "downloads", "--model", MODEL)
    finally:
        again.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"up to date: {MODEL} from {MINILM}@{hub.commits[MINILM]}/{ONNX}\n" in result.stdout
    assert [path for path, _ in again.requests] == [f"/api/models/{MINILM}/revision/main"]


def test_a_refused_token_says_so_and_never_falls_back(minilm_hub, tmp_path):
    result = fetch_models(minilm_hub.url, tmp_path / "repository", tmp_path / "downloads", env={"HF_TOKEN": "hf_stale"})
    assert result.returncode == 1
    assert (f"fetch-models: GET {minilm_hub.url}/api/models/{MINILM}/revision/main?blobs=true: the hub refused your "
            "HF_TOKEN (401: Invalid credentials in Authorization header): unset HF_TOKEN, or renew it at "
            "https://huggingface.co/settings/tokens\n") in result.stderr
    assert "PyPI" not in result.stdout + result.stderr


def test_rate_limits_and_server_errors_are_retried(minilm_hub, tmp_path):
    onnx_sha256 = minilm_hub.files[MINILM][ONNX].sha256
    minilm_hub.fail_next += [Fault("/api/models/", 429, {"Retry-After": "1"}), Fault(f"/cdn/{onnx_sha256}", 503)]
    repository = committed_repository(tmp_path / "repository")
    result = fetch_models(minilm_hub.url, repository, tmp_path / "downloads", "--model", MODEL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rate-limited by the hub (429): retrying in 1 s (attempt 2 of 5)\n" in result.stdout
    storage = host(minilm_hub.storage_url)
    assert f"the storage host {storage} answered 503: retrying in 1 s (attempt 2 of 5)\n" in result.stdout
    assert (repository / MODEL / "1" / "model.onnx").is_file()


def test_a_storage_host_behind_a_firewall_is_named_with_the_hosts_to_allow(minilm_hub, tmp_path):
    storage = host(minilm_hub.storage_url)
    minilm_hub.stop_storage()
    result = fetch_models(minilm_hub.url, committed_repository(tmp_path / "repository"), tmp_path / "downloads",
                          "--model", MODEL)
    assert result.returncode == 1
    commit = minilm_hub.commits[MINILM]
    assert (f"failed: {MODEL}: GET {minilm_hub.url}/{MINILM}/resolve/{commit}/{ONNX}: the hub sent the download to "
            f"its storage host {storage}, which could not be reached (ECONNREFUSED). A firewall or proxy that lets "
            f"the hub through must also allow its storage hosts ({STORAGE_HOSTS}, *.cdn.hf.co).\n") in result.stdout
    assert "PyPI" not in result.stdout + result.stderr


def test_a_server_that_ignores_range_is_read_from_the_start(minilm_hub, tmp_path):
    minilm_hub.ignore_range = True
    onnx = minilm_hub.files[MINILM][ONNX]
    cache = tmp_path / "downloads"
    partial = cache / MINILM / minilm_hub.commits[MINILM] / "onnx" / "model.onnx.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(onnx.path.read_bytes()[:1_000_000])
    repository = committed_repository(tmp_path / "repository")
    result = fetch_models(minilm_hub.url, repository, cache, "--model", MODEL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"/cdn/{onnx.sha256}", "bytes=1000000-") in minilm_hub.requests
    assert f"{MINILM}/{ONNX}: downloading {onnx.size} bytes\n" in result.stdout
    assert (repository / MODEL / "1" / "model.onnx").is_file()


@pytest.fixture
def forward_proxy(tmp_path):
    """The `proxy` package's server on 127.0.0.1, logging each request (DEBUG=proxy*) to a file: its URL and log."""
    log = tmp_path / "proxy.log"
    with log.open("w") as stderr:
        proxy = subprocess.Popen([str(PROXY_CLI), "--port", "0"], stdout=subprocess.PIPE, stderr=stderr, text=True,
                                 env={"PATH": str(Path(shutil.which("node") or "node").parent), "DEBUG": "proxy*"})
    try:
        line = proxy.stdout.readline()
        port = re.search(r"listening on port (\d+)", line)
        assert port, line
        yield f"http://127.0.0.1:{port[1]}", log
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)


def test_metadata_and_downloads_go_through_the_proxy_the_environment_names(minilm_hub, forward_proxy, tmp_path):
    proxy_url, log = forward_proxy
    result = fetch_models(minilm_hub.url, tmp_path / "repository", tmp_path / "downloads", "--model", MODEL,
                          "--keep-downloads", env={"HTTP_PROXY": proxy_url})
    downloads = tmp_path / "downloads" / MINILM / minilm_hub.commits[MINILM]
    assert (downloads / ONNX).is_file() and (downloads / "tokenizer.json").is_file(), result.stdout + result.stderr
    tunnels = set(re.findall(r"CONNECT (127\.0\.0\.1:\d+)", log.read_text()))
    assert tunnels == {host(minilm_hub.url), host(minilm_hub.storage_url)}


def test_no_proxy_goes_direct(minilm_hub, forward_proxy, tmp_path):
    proxy_url, log = forward_proxy
    result = fetch_models(minilm_hub.url, tmp_path / "repository", tmp_path / "downloads", "--model", MODEL,
                          "--keep-downloads", env={"HTTP_PROXY": proxy_url, "NO_PROXY": "localhost,127.0.0.1"})
    assert (tmp_path / "downloads" / MINILM / minilm_hub.commits[MINILM] / ONNX).is_file(), result.stdout
    assert "CONNECT" not in log.read_text()
