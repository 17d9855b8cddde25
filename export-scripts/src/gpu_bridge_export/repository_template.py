"""Copies the committed part of the repository into an export target: each python model's config.pbtxt and
1/model.py, and the modules at the repository root that those model.py files import."""

from __future__ import annotations

import shutil
from pathlib import Path

COMMITTED = ("config.pbtxt", "1/model.py")


def shared_modules(template: Path) -> list[Path]:
    """The Python modules at the repository root (Triton ignores plain files there)."""
    return sorted(path for path in template.glob("*.py") if path.is_file())


def copy_committed_models(template: Path, repository: Path, skip: set[str] = frozenset()) -> list[str]:
    """Copies the committed files of `template` (symlinks resolved) into `repository`, except the `skip` models
    (encoders, whose config the export writes); returns the model names copied."""
    if repository.exists() and template.resolve() == repository.resolve():
        return []
    repository.mkdir(parents=True, exist_ok=True)
    for module in shared_modules(template):
        shutil.copyfile(module, repository / module.name)
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
