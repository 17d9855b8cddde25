"""scripts/hub-check.sh, the quick start's look at the hub before it chooses a route: what answered, what the user
is told, and that only a network where nothing answers at all takes the offline route (exit 2); a refused token, a
proxy that wants credentials or a hub error stop it (exit 1). curl against the loopback hub and the `proxy` package's
server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess

import pytest
from fetch_models_run import MINILM, NETWORK_ENV
from loopback_hub import Fault, LoopbackHub
from paths import ROOT

CHECK = ROOT / "scripts" / "hub-check.sh"
PROXY_CLI = ROOT / "node_modules" / ".bin" / "proxy"


@pytest.fixture
def hub(tmp_path):
    repo = tmp_path / "minilm"
    repo.mkdir()
    (repo / "config.json").write_text('{"hidden_size": 384}\n')
    hub = LoopbackHub({MINILM: repo}, tokens={"hf_valid"}).start()
    yield hub
    hub.stop()


def check(endpoint: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NETWORK_ENV}
    return subprocess.run(["bash", str(CHECK)], capture_output=True, text=True, timeout=60, check=False,
                          env=clean | {"HF_ENDPOINT": endpoint} | env)


def test_a_hub_that_answers_is_used_and_a_trailing_slash_is_dropped(hub):
    result = check(hub.url + "/", HF_TOKEN="hf_valid")
    assert (result.returncode, result.stderr) == (0, "")
    assert hub.requests == [(f"/api/models/{MINILM}/revision/main", None)]


def test_a_refused_token_stops_the_quick_start(hub):
    result = check(hub.url, HF_TOKEN="hf_stale")
    assert result.returncode == 1
    assert result.stderr == (f"quickstart: the hub ({hub.url}) refused your HF_TOKEN (401): unset HF_TOKEN, or renew it "
                             "at https://huggingface.co/settings/tokens\n")


def test_a_hub_error_stops_it_too(hub):
    hub.fail_next.append(Fault("/api/models/", 503))
    result = check(hub.url)
    assert (result.returncode, result.stderr) == (1, f"quickstart: the hub ({hub.url}) answered 503; try again later\n")


def test_only_a_hub_that_nothing_answers_for_takes_the_offline_route():
    gone = LoopbackHub({}).start()
    closed = gone.url
    gone.stop()
    result = check(closed)
    assert result.returncode == 2
    assert result.stderr == (f"quickstart: the hub ({closed}) could not be reached (if this network needs a proxy, "
                             "set HTTPS_PROXY)\n")


def test_a_proxy_that_wants_credentials_stops_it(hub):
    # `proxy --authenticate CMD` answers 407 where CMD fails
    proxy = subprocess.Popen([str(PROXY_CLI), "--port", "0", "--authenticate", "false"], stdout=subprocess.PIPE,
                             text=True, env={"PATH": os.environ["PATH"]})
    try:
        port = proxy.stdout.readline().rsplit(" ", 1)[1].strip()
        result = check(hub.url, http_proxy=f"http://127.0.0.1:{port}")
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
    assert result.returncode == 1
    assert "asks for credentials (407): put them in HTTPS_PROXY as http://user:password@host:port" in result.stderr
    assert hub.requests == []

