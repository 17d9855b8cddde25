"""The wheels that travel with the working tree to a bare GPU machine (bench/gpu/wheels, made by the prep command in
bench/gpu/README.md, for Python 3.12): bert_score, and tritonclient with what its config parser imports. Where the
environment lacks either, they are installed offline into a scratch folder that goes first on sys.path, before
anything imports them; elsewhere (CI, a development machine) the environment's own packages are used."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

WHEELS = Path(__file__).with_name("wheels")


def use_carried_wheels(scratch: Path) -> list[str]:
    """Installs the carried wheels into `scratch` and puts them first on sys.path; their file names, [] where none
    were needed."""
    wheels = sorted(WHEELS.glob("*.whl"))
    if not wheels or all(importlib.util.find_spec(name) for name in ("bert_score", "tritonclient")):
        return []
    target = scratch / "carried-site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--target", str(target),
         *map(str, wheels)],
        check=True,
    )  # fmt: skip
    sys.path.insert(0, str(target))
    return [wheel.name for wheel in wheels]
