"""pytest runs with --import-mode=importlib (pytest.ini), which puts no test folder on sys.path: make the stack
checks' shared helpers (stack_helpers.py beside this file) importable. The real Triton the healthchecks run against
is test/conftest.py's."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
