"""verify's comparisons and table, without a server: they must pass on the reference values and fail otherwise."""

import math

import numpy as np
from gpu_bridge_export.verify import expected as ref
from gpu_bridge_export.verify.compare import all_passed, close, close_all, render_table
from gpu_bridge_export.verify.run import bertscore_checks, embedding_checks


def _published():
    plain = {"P": ref.BERT_SCORE_P, "R": ref.BERT_SCORE_R, "F": ref.BERT_SCORE_F,
             "hash": ["roberta-large_L17_no-idf_version=0.3.12(hug_trans=4.57.1)"] * 3}
    rescaled = {"P": ref.BERT_SCORE_RESCALED_P, "R": [0, 0, 0], "F": ref.BERT_SCORE_RESCALED_F,
                "hash": ["roberta-large_L17_no-idf_version=0.3.12(hug_trans=4.57.1)-rescaled"] * 3}
    return plain, rescaled


def test_bertscore_checks_pass_on_published_values_and_fail_off_by_tolerance():
    plain, rescaled = _published()
    assert all_passed(bertscore_checks(plain, rescaled, "http"))
    plain["F"] = [plain["F"][0] + 2e-4, *plain["F"][1:]]
    checks = bertscore_checks(plain, rescaled, "http")
    assert [c.name for c in checks if not c.passed] == ["http F[0]"]


def test_hash_and_count_mismatches_fail():
    plain, rescaled = _published()
    plain["hash"] = ["roberta-large_L17_idf_version=0.3.12(hug_trans=4.57.1)"] * 3
    rescaled["P"] = rescaled["P"][:2]
    failed = [c.name for c in bertscore_checks(plain, rescaled, "grpc") if not c.passed]
    assert any("hash prefix" in name for name in failed) and "grpc rescaled P count" in failed


def test_embedding_checks():
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((3, 8))
    assert not all_passed(embedding_checks(reference, reference, "http"))  # random vectors miss the similarities
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.6660, math.sqrt(1 - 0.6660**2), 0.0])
    c3 = np.array([0.1046, (0.1411 - 0.1046 * 0.6660) / b[1], 0.0])
    c3[2] = math.sqrt(1 - c3[0] ** 2 - c3[1] ** 2)
    vectors = np.stack([a, b, c3])
    assert all_passed(embedding_checks(vectors, vectors, "http"))
    assert not all_passed(embedding_checks(vectors, vectors + [[0, 0.05, 0]], "http"))


def test_nan_never_passes_and_table_reports():
    checks = [close("x", float("nan"), 0.0, 1.0), *close_all("y", [1.0], [1.0], 0.0)]
    assert not all_passed(checks) and not all_passed([])
    table = render_table(checks)
    assert "FAIL" in table and "1/2 checks passed" in table
