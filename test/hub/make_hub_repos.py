"""Hub repositories as the Hugging Face hub holds them, for the loopback hub of the tests: a model folder's files
plus the ONNX export the hub publishes beside them, made by Optimum's exporter (run with .cache/optimum's Python).

    make_hub_repos.py SPEC.json   SPEC: [{"model_dir", "repo_dir", "onnx_file", "task", "opset", "attention"}]

task: feature-extraction (what sentence-transformers' ONNX backend uploads: last_hidden_state) or fill-mask (what
the hub's ONNX export Space uploads for a fill-mask model: logits); attention: sdpa (today's default) or eager
(transformers before 4.36, when the older hub files were made; opset 11 needs it).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from optimum.exporters.onnx import onnx_export_from_model
from transformers import AutoModel, AutoModelForMaskedLM

LOADERS = {"feature-extraction": AutoModel, "fill-mask": AutoModelForMaskedLM}


def make_repo(model_dir: Path, repo_dir: Path, onnx_file: str, task: str, opset: int | None, attention: str) -> None:
    shutil.copytree(model_dir, repo_dir, dirs_exist_ok=True)
    model = LOADERS[task].from_pretrained(str(model_dir), attn_implementation=attention).eval()
    with tempfile.TemporaryDirectory() as scratch:
        onnx_export_from_model(model, scratch, opset=opset, task=task, do_validation=True)
        target = repo_dir / onnx_file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(Path(scratch) / "model.onnx", target)


if __name__ == "__main__":
    for spec in json.loads(Path(sys.argv[1]).read_text()):
        make_repo(Path(spec["model_dir"]), Path(spec["repo_dir"]), spec["onnx_file"], spec["task"], spec["opset"],
                  spec["attention"])
        print(f"made {spec['repo_dir']}", flush=True)
