"""bench/gpu/rehearsal.py in CI, so it cannot rot between lent GPU machines: the command a GPU machine runs, at smoke
sizes without CUDA (the device parts skipped, model.py's parity with sentence-transformers and bert_score.score
checked), and its device phases exercised on the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from paths import ROOT

REHEARSAL = ROOT / "bench" / "gpu" / "rehearsal.py"
DEVICE_PARTS = ("device_equality", "fp16_difference", "throughput", "versus_original")


def _rehearse(out, *options) -> dict:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    completed = subprocess.run(
        [sys.executable, str(REHEARSAL), "--out", str(out), "--smoke", *options],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert (out / "rehearsal.md").read_text(encoding="utf-8").startswith("# GPU rehearsal on cpu")
    return json.loads((out / "rehearsal.json").read_text(encoding="utf-8"))


def _assert_parity(result: dict) -> None:
    parity = result["reference_parity"]
    assert parity["embed"]["reference"] == "sentence-transformers encode"
    assert parity["bertscore"]["reference"] == "bert_score.score"
    for name in ("embed", "bertscore"):
        assert parity[name]["passed"], parity[name]
        assert parity[name]["max_abs_diff"] <= 1e-5
        low, high = parity[name]["value_range"]
        assert parity[name]["values"] > 0 and low < high  # not a pass on constants


def test_without_cuda_the_device_parts_are_skipped_and_the_cpu_parity_holds(tmp_path):
    result = _rehearse(tmp_path)
    assert result["device"] == "cpu"
    assert result["command"].startswith("python bench/gpu/rehearsal.py --out ")
    for part in DEVICE_PARTS:
        assert result[part] == {"skipped": "no CUDA device"}, part
    _assert_parity(result)
    # the batch sizes come from the shipped configs: embed max_batch_size 64, bertscore 128, no preferred sizes
    assert result["batch_sizes"] == {"embed": [1, 2, 4, 8, 16, 32, 64], "bertscore": [1, 2, 4, 8, 16, 32, 64, 128]}
    assert result["architectures"]["bertscore"]["encoder"] == "roberta-large"
    assert set(result["goals"]) == {"embed_sentences_per_s", "bertscore_pairs_per_s", "ratio_to_original"}


@pytest.mark.parametrize("seconds", ["0.01"])
def test_the_device_phases_run_end_to_end_on_the_cpu(tmp_path, seconds):
    result = _rehearse(tmp_path, "--device", "cpu", "--seconds", seconds)
    equality = result["device_equality"]
    for name in ("embed", "bertscore"):
        assert equality[name]["devices"] == ["cpu", "cpu"]
        assert equality[name]["passed"], equality[name]
        assert "max_abs_diff" in result["fp16_difference"][name]
        for dtype in ("fp32", "fp16"):
            sweep = result["throughput"][name][dtype]
            assert [row["batch"] for row in sweep] == result["batch_sizes"][name]
            assert all(row["items_per_s"] > 0 and row["peak_gpu_mib"] is None for row in sweep)
    for workload in ("1 text per request", "32 texts per request"):
        for name in ("embed", "bertscore"):
            entry = result["versus_original"][workload][name]
            assert entry["original"]["concurrency"] == 2
            assert entry["ratio"] > 0
    # fed as the batcher would: 32 one-text requests per execute; 2 (embed) or 4 (bertscore) of 32 texts
    versus = result["versus_original"]
    assert versus["1 text per request"]["embed"]["model_py"]["requests_per_execute"] == 32
    assert versus["32 texts per request"]["embed"]["model_py"]["requests_per_execute"] == 2
    assert versus["32 texts per request"]["bertscore"]["model_py"]["requests_per_execute"] == 4


class _Folder:
    """A TemporaryDirectory stand-in with a chosen name, recording its cleanup."""

    def __init__(self, name: str, cleaned: list[str]):
        self.name, self._cleaned = name, cleaned

    def cleanup(self) -> None:
        self._cleaned.append(self.name)


def test_the_scratch_folder_never_contains_t5(monkeypatch):
    # bert_score loads any model_type path containing "t5" as a T5 model; the encoders' folders live in the scratch
    sys.path.insert(0, str(REHEARSAL.parent))
    try:
        import rehearsal
    finally:
        sys.path.remove(str(REHEARSAL.parent))
    cleaned: list[str] = []
    names = iter(["/tmp/gpu-rehearsal-at5b", "/tmp/gpu-rehearsal-t5xy", "/tmp/gpu-rehearsal-ab12"])
    monkeypatch.setattr(rehearsal.tempfile, "TemporaryDirectory", lambda prefix: _Folder(next(names), cleaned))
    assert rehearsal.scratch_directory().name == "/tmp/gpu-rehearsal-ab12"
    assert cleaned == ["/tmp/gpu-rehearsal-at5b", "/tmp/gpu-rehearsal-t5xy"]
    monkeypatch.setattr(rehearsal.tempfile, "TemporaryDirectory", lambda prefix: _Folder("/t5/x", cleaned))
    with pytest.raises(SystemExit, match="set TMPDIR"):
        rehearsal.scratch_directory(attempts=3)
