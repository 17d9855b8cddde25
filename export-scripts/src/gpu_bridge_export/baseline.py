"""bert_score's rescale baselines (rescale_baseline/<lang>/<model>.tsv inside the installed package)."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path


def bert_score_baseline_path(model_type: str, lang: str = "en") -> Path:
    # found without importing bert_score, whose package imports torch: the torch-free hub route reads it too
    spec = importlib.util.find_spec("bert_score")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("bert_score is not installed: its rescale baselines come with it")
    return Path(spec.submodule_search_locations[0]) / "rescale_baseline" / lang / f"{model_type}.tsv"


def copy_bert_score_baseline(model_type: str, destination: str | Path, lang: str = "en") -> Path:
    source = bert_score_baseline_path(model_type, lang)
    if not source.is_file():
        raise FileNotFoundError(f"bert_score has no {lang} baseline for {model_type} at {source}")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    return destination


def read_baseline_row(path: str | Path, num_layers: int) -> tuple[float, float, float]:
    """The P, R, F baseline for `num_layers`, read as bert_score does (data row index = num_layers)."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    row = rows[1 + num_layers]
    return float(row[1]), float(row[2]), float(row[3])
