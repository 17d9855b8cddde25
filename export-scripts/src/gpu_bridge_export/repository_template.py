"""Copies the committed part of the repository into an export target: each python model's config.pbtxt and
1/model.py, and the files at the repository root that those model.py files import and read (its *.py modules and
*.json data)."""

from __future__ import annotations

import shutil
from pathlib import Path

COMMITTED = ("config.pbtxt", "1/model.py")
ROOT_FILES = ("*.py", "*.json")


def root_files(template: Path) -> list[Path]:
    """The modules and data files at the repository root (Triton ignores plain files there)."""
    return sorted(path for pattern in ROOT_FILES for path in template.glob(pattern) if path.is_file())


def copy_committed_models(template: Path, repository: Path, skip: set[str] = frozenset()) -> list[str]:
    """Copies the committed files of `template` (symlinks resolved) into `repository`, except the `skip` models
    (encoders, whose config the export writes); returns the model names copied."""
    if repository.exists() and template.resolve() == repository.resolve():
        return []
    repository.mkdir(parents=True, exist_ok=True)
    for source in root_files(template):
        shutil.copyfile(source, repository / source.name)
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
