import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_hf() -> Path:
    return ROOT / "test" / "fixtures" / "hf"
