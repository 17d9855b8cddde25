"""Copies the committed part of the repository (config.pbtxt, 1/model.py, the modules at its root) into an export
target."""

from __future__ import annotations

import shutil
from pathlib import Path

COMMITTED = ("config.pbtxt", "1/model.py")
# modules the python-backend models import from the repository root, and the data they read
ROOT_FILES = ("*.py", "*.json")


def copy_committed_models(template: Path, repository: Path, skip: set[str] = frozenset()) -> list[str]:
    """Copies the committed files of `template` (symlinks resolved) into `repository`, except the `skip` models
    (encoders, whose config the export writes); returns the model names copied."""
    if repository.exists() and template.resolve() == repository.resolve():
        return []
    copied = []
    for pattern in ROOT_FILES:
        for source in sorted(template.glob(pattern)):
            repository.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, repository / source.name)
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
