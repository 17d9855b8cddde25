"""What the test command needs besides the repository (setup's installs and exports, tools of the machine): a missing
one fails the test, or the module at collection, with the command that provides it; never a skip, so that a green run
has run everything."""

from __future__ import annotations

import importlib
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

SETUP = "npm run setup"


def missing(what: str, command: str = SETUP) -> NoReturn:
    pytest.fail(f"missing {what}: run `{command}`", pytrace=False)


def require_module(name: str, what: str | None = None, command: str = SETUP) -> ModuleType:
    """The module, imported; fails naming `what` (the package that provides it) when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing(f"{what or name} ({error})", command)


def require_tool(name: str, command: str) -> str:
    """The path of a program on PATH; fails naming the command that installs it."""
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` on PATH", command)
    return path


def reference_missing(error: Exception) -> NoReturn:
    """Fails with a ReferenceUnavailable's message, which names the command that makes the environment."""
    pytest.fail(str(error), pytrace=False)


def require_reference() -> None:
    """The bert_score reference environment (.venv-bertscore-ref) that setup makes."""
    from gpu_bridge_export.reference_env import ReferenceUnavailable, reference_python

    try:
        reference_python()
    except ReferenceUnavailable as error:
        reference_missing(error)
