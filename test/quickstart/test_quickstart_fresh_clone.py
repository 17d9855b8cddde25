"""The quick start as a newcomer runs it, offline: a fresh clone of this repository's HEAD, `npm run quickstart` with
the Hugging Face hub unreachable (a closed loopback port), so that it takes the torch-free offline route; the first
200 from /embed, whose vectors give the similarities all-MiniLM-L6-v2's model card publishes; no torch installed.
Prints the clone's footprint and the time to the first 200 (reported, not asserted). Reuses npm's and pip's caches;
needs no network but the package registries."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from gpu_bridge_export.verify.expected import (
    PUBLISHED_SIMILARITIES,
    SIMILARITY_SENTENCES,
    SIMILARITY_TOLERANCE,
)

ROOT = Path(__file__).resolve().parents[2]
FIRST_200_ATTEMPTS = 600  # one a second: a bound on a broken run, not a timing assertion
# what the environment of a developer's shell must not lend the clone
NOT_INHERITED = ("PYTHONPATH", "VIRTUAL_ENV", "MODEL_REPOSITORY", "TRITON_URL", "API_KEY", "HF_TOKEN", "PORT",
                 "GPU_BRIDGE_SURGERY_PYTHON", "GPU_BRIDGE_MODELS_REPO")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict) -> tuple[int, dict | None]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


def du_mb(path: Path) -> int:
    return int(subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


@pytest.fixture
def clone(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("the quick-start test clones this repository: it needs git and a git checkout")
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def test_offline_quick_start_from_a_fresh_clone(clone, capsys):
    port = free_port()
    # npm_* variables of an enclosing `npm test` would point npm at this checkout instead of the clone
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED and not k.lower().startswith("npm_")}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{free_port()}", PORT=str(port), HF_HUB_OFFLINE="1",
               WRANGLER_SEND_METRICS="false", WRANGLER_SEND_ERROR_REPORTS="false", CLOUDFLARE_CF_FETCH_ENABLED="false")
    log_path = clone.parent / "quickstart.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        quickstart = subprocess.Popen(["npm", "run", "quickstart"], cwd=clone, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = 0
        for _ in range(FIRST_200_ATTEMPTS):
            status, body = post(f"http://127.0.0.1:{port}/embed", {"texts": SIMILARITY_SENTENCES})
            if status == 200 or quickstart.poll() is not None:
                break
            time.sleep(1)
        seconds = time.monotonic() - started
        output = log_path.read_text()
        assert status == 200, f"no 200 from /embed (last status {status}); the quick start said:\n{output[-6000:]}"

        embeddings = np.array(body["embeddings"], dtype=np.float64)
        for (i, j), published in PUBLISHED_SIMILARITIES.items():
            assert abs(float(embeddings[i] @ embeddings[j]) - published) <= SIMILARITY_TOLERANCE, (i, j)
        assert "could not be reached" in output and "match the model card's" in output
        info = json.loads((clone / "triton-models" / "all-MiniLM-L6-v2" / "1" / "export-info.json").read_text())
        assert info["format"] == "onnx opset 17 (built from safetensors)"
        assert not (clone / ".venv").exists(), "the offline quick start made the torch environment"
        probe = subprocess.run([str(clone / ".cache" / "onnx-surgery" / "bin" / "python"), "-c", "import torch"],
                               capture_output=True, text=True, check=False)
        assert "No module named 'torch'" in probe.stderr
        with capsys.disabled():
            parts = {name: du_mb(clone / name) for name in ("node_modules", ".cache", "triton-models")}
            print(f"\nquick start (offline, fresh clone): first 200 from /embed after {seconds:.0f} s; "
                  f"{du_mb(clone)} MB on disk ({', '.join(f'{k} {v} MB' for k, v in parts.items())})")
    finally:
        if quickstart.poll() is None:
            os.killpg(quickstart.pid, signal.SIGTERM)
            try:
                quickstart.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(quickstart.pid, signal.SIGKILL)
                quickstart.wait()
