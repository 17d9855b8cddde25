"""pytest runs with --import-mode=importlib (pytest.ini), which puts no test folder on sys.path: make the stack
checks' shared helpers (stack_helpers.py beside this file) importable. Also the KServe v2 server the examples and
healthchecks run against."""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def triton_url() -> Iterator[str]:
    """host:port of a KServe v2 server: the embedded runtime's standalone CLI (npm run runtime -w proxy) serving
    the test fixtures' model repository, a Triton stand-in."""
    process = subprocess.Popen(
        [str(ROOT / "node_modules" / ".bin" / "tsx"), str(ROOT / "proxy" / "src" / "runtime" / "cli.ts"),
         "--port", "0", "--model-repository", str(ROOT / "test" / "fixtures" / "model-repository")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = process.stdout.readline()
        found = re.search(r"listening on http://(\S+)", line)
        if not found:
            pytest.fail(f"the runtime server did not start: {line}{process.stderr.read()}")
        yield found.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
