"""One encoder's folder of the repository, as every route (torch export, ONNX builder, hub ONNX) writes it:
`1/export-info.json` goes first and comes back last, atomically, so its presence means the folder is complete.

The weights stay with each route (it alone holds the model, and drops it before the checker reads the file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from gpu_bridge_export.tokenizer_files import write_runtime_tokenizer
from gpu_bridge_export.triton_config import ModelConfig


def encoder_folder_is_current(
    repository: str | Path, name: str, *, weights: str, export_info: Callable[[], dict]
) -> bool:
    """Whether `repository/<name>` is complete, with `weights`, and its export-info.json is `export_info()`'s."""
    version = Path(repository) / name / "1"
    if not all((version / f).is_file() for f in ("export-info.json", weights, "tokenizer.json")):
        return False
    try:
        return json.loads((version / "export-info.json").read_text()) == export_info()
    except ValueError:
        return False


def clear_encoder_folder(repository: str | Path, name: str) -> Path:
    """Makes `repository/<name>/1`, removes its export-info.json and any weights there; returns the version folder."""
    version = Path(repository) / name / "1"
    version.mkdir(parents=True, exist_ok=True)
    (version / "export-info.json").unlink(missing_ok=True)
    for stale in ("model.onnx", "model.pt"):
        (version / stale).unlink(missing_ok=True)
    return version


def complete_encoder_folder(
    version: Path, *, tokenizer_from: Path, baseline: str | Path | None, config: ModelConfig, export_info: dict
) -> Path:
    """Writes beside the weights the runtime tokenizer (from `tokenizer_from`'s files), the baseline, config.pbtxt,
    and export-info.json last; returns the encoder's folder."""
    write_runtime_tokenizer(tokenizer_from, version / "tokenizer.json")
    if baseline is not None:
        (version / "baseline.tsv").write_bytes(Path(baseline).read_bytes())
    (version.parent / "config.pbtxt").write_text(config.render())
    info_path = version / "export-info.json"
    scratch = info_path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(export_info, indent=2) + "\n")
    scratch.replace(info_path)
    return version.parent
