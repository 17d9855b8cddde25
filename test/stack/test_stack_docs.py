"""The stack's documents name settings, files and the Worker that exist."""

from __future__ import annotations

import re
import tomllib

from stack_helpers import ROOT, read_env_example

DOCS = [ROOT / "deploy" / "README.md", ROOT / "docs" / "workers.md"]
# names the documents use that are not stack settings: other tools' variables and Kubernetes objects' keys
NOT_SETTINGS = {"HF_TOKEN_SECRET", "TUNNEL_TOKEN", "CF_ACCESS_CLIENT_ID"}


def test_every_setting_the_documents_name_is_in_env_example() -> None:
    known = set(read_env_example()) | NOT_SETTINGS
    for doc in DOCS:
        named = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)", doc.read_text()))
        assert named, doc
        assert not named - known, f"{doc.relative_to(ROOT)} names {sorted(named - known)}, not in .env.example"


def test_every_repository_path_the_documents_name_exists() -> None:
    for doc in DOCS:
        text = doc.read_text()
        files = re.findall(r"\b((?:deploy|docs|examples|proxy|test|triton-models|export-scripts)/[\w./-]*\.\w+)", text)
        overlays = re.findall(r"kubectl apply -k ([\w./-]+)", text)
        assert files, doc
        for path in files + overlays:
            assert (ROOT / path).exists(), f"{doc.relative_to(ROOT)} names {path}, which does not exist"


def test_workers_guide_matches_wrangler_config() -> None:
    wrangler = tomllib.loads((ROOT / "proxy" / "wrangler.toml").read_text())
    guide = (ROOT / "docs" / "workers.md").read_text()
    assert f"https://{wrangler['name']}." in guide
    assert "npx wrangler secret put API_KEY" in guide
    assert "TRITON_URL" in guide
