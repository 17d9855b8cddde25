"""Copies the committed part of the repository (config.pbtxt, 1/model.py) into an export target."""

from __future__ import annotations

import shutil
from pathlib import Path

COMMITTED = ("config.pbtxt", "1/model.py")


def copy_committed_models(template: Path, repository: Path, skip: set[str] = frozenset()) -> list[str]:
    """Copies the committed files of `template` (symlinks resolved) into `repository`, except the `skip` models
    (encoders, whose config the export writes); returns the model names copied."""
    if repository.exists() and template.resolve() == repository.resolve():
        return []
    copied = []
    for config in sorted(template.glob("*/config.pbtxt")):
        model = config.parent.name
        if model in skip:
            continue
        for relative in COMMITTED:
            source = template / model / relative
            if source.is_file():
                destination = repository / model / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
        copied.append(model)
    return copied
