"""Helpers for the stack checks: the repository root, the Compose binary and the resolved compose model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_CPU_FILE = ROOT / "docker-compose.cpu.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def tool(name: str) -> str:
    """A command-line tool installed into the virtual environment by export-scripts/requirements-dev.txt."""
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is missing from the virtual environment: run scripts/setup.sh")
    return str(path)


def compose_env(**overrides: str) -> dict[str, str]:
    """An environment for `docker-compose` without the caller's Compose or stack variables leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in read_env_example()}
    env.update(overrides)
    return env


def run_compose(*args: str, files: tuple[Path, ...] = (COMPOSE_FILE,), env: dict[str, str] | None = None,
                profiles: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    cmd = [tool("docker-compose"), "--project-directory", str(ROOT), "--env-file", str(ENV_EXAMPLE)]
    for f in files:
        cmd += ["-f", str(f)]
    for p in profiles:
        cmd += ["--profile", p]
    return subprocess.run([*cmd, *args], check=False, capture_output=True, text=True, timeout=60,
                          env=env if env is not None else compose_env(API_KEY="test-key"))


def resolved_compose(files: tuple[Path, ...] = (COMPOSE_FILE,), profiles: tuple[str, ...] = ()) -> dict:
    """The compose model as Compose itself resolves it (interpolated with .env.example, overrides merged)."""
    result = run_compose("config", "--format", "json", files=files, profiles=profiles)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def read_env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
