"""The real tritonserver the Python suites share (one per pytest session): triton-models/ as shipped, with setup's
all-MiniLM-L6-v2 export and roberta-large not exported, run with the compose stack's serving flags. Started by
test/triton/launch.ts, the same harness the TypeScript suites use."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRITON_MODELS = ROOT / "triton-models"
# the flags of docker-compose.yml's tritonserver command that decide what is served and when it is ready
SERVING_FLAGS = ("--model-control-mode", "--disable-auto-complete-config", "--strict-readiness", "--exit-on-error")


@dataclass(frozen=True)
class RealTriton:
    http: str  # host:port
    grpc: str  # host:port
    repository: Path
    log: Path
    flags: tuple[str, ...]


def compose_serving_flags() -> tuple[str, ...]:
    import yaml

    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["triton"]["command"]
    return tuple(arg for arg in command if arg.split("=", 1)[0] in SERVING_FLAGS)


@pytest.fixture(scope="session")
def real_triton() -> Iterator[RealTriton]:
    if not (TRITON_MODELS / "all-MiniLM-L6-v2" / "1" / "model.onnx").is_file():
        pytest.fail("triton-models/all-MiniLM-L6-v2 is not exported: run `npm run setup`")
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    if not tsx.exists() or shutil.which("node") is None:
        pytest.fail("node and tsx are needed to start tritonserver: run `npm run setup`")
    flags = compose_serving_flags()
    process = subprocess.Popen(
        [str(tsx), str(ROOT / "test" / "triton" / "launch.ts"), "--base", str(TRITON_MODELS), "--", *flags],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("{"):
            process.stdin.close()
            pytest.fail(f"tritonserver did not start:\n{line}{process.stderr.read()[-8000:]}")
        started = json.loads(line)
        yield RealTriton(started["http"].removeprefix("http://"), started["grpc"], Path(started["repository"]),
                         Path(started["log"]), flags)
    finally:
        if process.stdin and not process.stdin.closed:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
