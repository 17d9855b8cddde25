"""triton-models/ as shipped, served by the real Triton with the compose stack's flags while roberta-large is not
exported: what is exported serves, `bertscore` fails to load with one message naming the missing file and the
export command, and the committed model.py files (real files, shared code at the repository root) load."""

from __future__ import annotations

import json
import urllib.request


def _get(real_triton, path: str, method: str = "GET") -> tuple[int, object]:
    request = urllib.request.Request(f"http://{real_triton.http}{path}", method=method,
                                     data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_serves_what_is_exported(real_triton):
    _, index = _get(real_triton, "/v2/repository/index", "POST")
    states = {entry["name"]: entry.get("state") for entry in index}
    assert states == {
        "all-MiniLM-L6-v2": "READY", "embed": "READY", "bertscore-all-MiniLM-L6-v2": "READY", "device_info": "READY",
        "bertscore": "UNAVAILABLE",
    }
    # compose runs --strict-readiness=false: the server is ready, the proxy asks per model
    assert "--strict-readiness=false" in real_triton.flags and "--exit-on-error=false" in real_triton.flags
    assert _get(real_triton, "/v2/health/ready")[0] == 200
    assert _get(real_triton, "/v2/models/bertscore/ready")[0] == 400


def test_a_text_model_without_its_encoder_says_which_file_and_how_to_export_it(real_triton):
    _, index = _get(real_triton, "/v2/repository/index", "POST")
    reason = next(entry["reason"] for entry in index if entry["name"] == "bertscore")
    missing = real_triton.repository / "roberta-large" / "1" / "tokenizer.json"
    expected = f"{missing} is missing: export the encoder first, e.g. `gpu-bridge-export export roberta-large --out "
    assert expected in reason
    log = real_triton.log.read_text()
    assert f"failed to load 'bertscore' version 1: Internal: TritonModelException: {expected}" in log


def test_the_repository_root_holds_only_models_and_the_shared_modules(real_triton):
    folders = [p for p in real_triton.repository.iterdir() if p.is_dir()]
    assert all((folder / "config.pbtxt").is_file() for folder in folders), folders
    assert not any(p.is_symlink() for p in real_triton.repository.rglob("*"))
