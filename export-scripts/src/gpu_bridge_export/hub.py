"""Downloads model folders from the Hugging Face hub (tqdm progress bars come from huggingface_hub)."""

from __future__ import annotations

from pathlib import Path

MODEL_FILES = ["config.json", "*.safetensors", "tokenizer*.json", "vocab*", "merges.txt", "special_tokens_map.json"]


def download_model(repo_id: str, revision: str | None = None, cache_dir: str | None = None) -> Path:
    from huggingface_hub import snapshot_download
    from tqdm.auto import tqdm

    return Path(
        snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            allow_patterns=MODEL_FILES,
            tqdm_class=tqdm,
        )
    )
