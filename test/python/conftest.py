import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).parent))

from paths import FIXTURE_REPOSITORY


@pytest.fixture(scope="session")
def fixture_repository() -> Path:
    return FIXTURE_REPOSITORY
