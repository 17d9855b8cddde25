"""The healthchecks are real commands against real endpoints: the compose file's Triton healthcheck runs against a
real tritonserver (run with the compose stack's serving flags, roberta-large not exported), and the proxy's
healthcheck runs against the proxy built the way proxy/Dockerfile builds it, laid out as in the image and started by
its CMD."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest
from stack_helpers import ROOT, resolved_compose


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthcheck(service: str) -> list[str]:
    test = resolved_compose()["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return test[1:]


def run_check(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


def test_triton_healthcheck_passes_when_ready_and_fails_when_down(real_triton) -> None:
    program, *args = healthcheck("triton")
    assert program == "python3"
    # passes although bertscore cannot load: the stack serves what is exported
    up = [sys.executable, *(a.replace("127.0.0.1:8000", real_triton.http) for a in args)]
    assert up != [sys.executable, *args], "the healthcheck does not call 127.0.0.1:8000"
    result = run_check(up)
    assert result.returncode == 0, result.stderr
    down = [sys.executable, *(a.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}") for a in args)]
    assert run_check(down).returncode != 0


def copy_into(app: Path, sources: list[str], dest: str) -> None:
    """COPY semantics for files and directories from the repository into /app (`app`)."""
    target = app / dest
    for src in sources:
        if (ROOT / src).is_dir():
            shutil.copytree(ROOT / src, target if not dest.endswith("/") else target / Path(src).name,
                            ignore=shutil.ignore_patterns("*.test.ts", "node_modules"), dirs_exist_ok=True)
        else:
            into = target if dest.endswith("/") else target.parent
            into.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / src, into / (Path(src).name if dest.endswith("/") else target.name))


@pytest.fixture(scope="module")
def image_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app of proxy/Dockerfile's runtime stage, made as the Dockerfile makes it: its build stage's COPYs into an
    empty folder (node_modules linked in place of the install), its build command there, then only the runtime
    stage's files. A file the build needs but the Dockerfile does not copy fails here."""
    groups: dict[str, list[dockerfile.Command]] = {}
    for command in dockerfile.parse_file(str(ROOT / "proxy" / "Dockerfile")):
        if command.cmd == "FROM":
            name = command.value[2] if len(command.value) > 2 else str(len(groups))
            groups[name] = []
        elif groups:
            groups[list(groups)[-1]].append(command)
    build = tmp_path_factory.mktemp("build") / "app"
    build.mkdir()
    (build / "node_modules").symlink_to(ROOT / "node_modules")
    for command in groups["build"]:
        if command.cmd == "COPY":
            copy_into(build, list(command.value[:-1]), command.value[-1])
        elif command.cmd == "RUN" and command.value[0].startswith("npm run build"):
            result = subprocess.run(["bash", "-c", command.value[0]], check=False, capture_output=True, text=True,
                                    timeout=180, cwd=build)
            assert result.returncode == 0, result.stdout + result.stderr
    app = tmp_path_factory.mktemp("image") / "app"
    app.mkdir()
    (app / "node_modules").symlink_to(ROOT / "node_modules")
    for command in groups["runtime"]:
        if command.cmd == "COPY" and "--from=build" in command.flags:
            src, dest = command.value
            shutil.copytree(build / Path(src).relative_to("/app"), app / dest)
        elif command.cmd == "COPY" and not command.flags:
            copy_into(app, list(command.value[:-1]), command.value[-1])
    return app


@pytest.fixture(scope="module")
def proxy_port(image_app: Path, real_triton) -> Iterator[int]:
    cmd = [c for c in dockerfile.parse_file(str(ROOT / "proxy" / "Dockerfile")) if c.cmd == "CMD"][-1].value
    port = free_port()
    env = {**os.environ, "TRITON_URL": f"http://{real_triton.http}", "API_KEY": "stack-test-key", "HOST": "127.0.0.1",
           "PORT": str(port), "LOG_REQUESTS": "false"}
    process = subprocess.Popen(list(cmd), env=env, cwd=image_app, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        line = process.stdout.readline()
        if not line or json.loads(line).get("msg") != "listening":
            pytest.fail(f"the proxy image's CMD did not start the proxy: {line}{process.stderr.read()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_proxy_healthcheck_passes_against_the_bundled_proxy(proxy_port: int) -> None:
    program, *args = healthcheck("proxy")
    assert program == "node"
    result = run_check([program, *args], env={"PORT": str(proxy_port)})
    assert result.returncode == 0, result.stderr


def test_proxy_healthcheck_fails_when_nothing_listens() -> None:
    program, *args = healthcheck("proxy")
    assert run_check([program, *args], env={"PORT": str(free_port())}).returncode != 0


def test_proxy_image_healthcheck_is_the_compose_one() -> None:
    commands = list(dockerfile.parse_file(str(ROOT / "proxy" / "Dockerfile")))
    image_check = next(c for c in commands if c.cmd == "HEALTHCHECK")
    assert list(image_check.value[1:]) == healthcheck("proxy")
