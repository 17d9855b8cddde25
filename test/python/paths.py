"""Where the suites find the repository's parts (relative to this checkout)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "fixtures"
FIXTURE_REPOSITORY = FIXTURES / "model-repository"
GOLDENS = FIXTURES / "goldens"
TRITON_MODELS = ROOT / "triton-models"
ASSETS = FIXTURES / "tokenizers"


def model_py(name: str) -> Path:
    """The committed model.py of a python-backend model (fixtures reuse these)."""
    return TRITON_MODELS / name / "1" / "model.py"
