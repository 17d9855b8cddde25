"""The bert_score reference environment: bert_score 0.3.13 on transformers 4.57, unpatched, in a venv of its own.

bert_score's default tokenization is transformers' slow tokenizers, which transformers 5 no longer has, and the
project's own environment needs transformers 5 (sentence-transformers 6). `scripts/setup.sh` makes the reference
environment (`.venv-bertscore-ref`, packages in export-scripts/requirements-bertscore-reference.txt); the export
image has one too. Its Python is found as $GPU_BRIDGE_BERTSCORE_PYTHON, else `.venv-bertscore-ref/bin/python` in
the working directory or the checkout. Jobs run in `gpu_bridge_export.reference_runner` there.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ENV_VARIABLE = "GPU_BRIDGE_BERTSCORE_PYTHON"
VENV = ".venv-bertscore-ref"
_PACKAGE_SRC = Path(__file__).resolve().parents[1]
_CHECKOUT = Path(__file__).resolve().parents[3]


class ReferenceUnavailable(RuntimeError):
    """No bert_score reference environment here."""


def reference_python() -> Path:
    configured = os.environ.get(ENV_VARIABLE)
    candidates = [Path(configured)] if configured else [Path.cwd() / VENV / "bin" / "python", _CHECKOUT / VENV / "bin" / "python"]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise ReferenceUnavailable(
        f"no bert_score reference environment ({', '.join(map(str, candidates))}): run `npm run setup`, or point "
        f"{ENV_VARIABLE} at a Python with export-scripts/requirements-bertscore-reference.txt installed"
    )


def run_reference(jobs: list[dict], *, unicode_15: bool = False, timeout: float = 1800) -> list:
    """Runs jobs (see reference_runner) in the reference environment and returns their results."""
    command = [str(reference_python()), "-m", "gpu_bridge_export.reference_runner"]
    if unicode_15:
        command.append("--unicode-15")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_SRC), os.environ.get("PYTHONPATH")])),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    completed = subprocess.run(
        command, input=json.dumps({"jobs": jobs}), capture_output=True, text=True, env=env, timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the bert_score reference failed ({completed.returncode}): {completed.stderr[-3000:]}")
    return json.loads(completed.stdout)["results"]


def describe_reference(versions: dict) -> str:
    """One line naming the reference, from the runner's `versions` job."""
    return (
        f"bert_score {versions['bert_score']} (unpatched) on transformers {versions['transformers']}, tokenizers "
        f"{versions['tokenizers']}, regex {versions['regex']}, Python {versions['python']} (Unicode "
        f"{versions['python_unicode']})"
    )
