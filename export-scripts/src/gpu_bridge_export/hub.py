"""Downloads model folders from the Hugging Face hub (tqdm progress bars come from huggingface_hub)."""

from __future__ import annotations

from pathlib import Path

MODEL_FILES = [
    "config.json", "tokenizer*.json", "vocab*", "merges.txt", "special_tokens_map.json",
    # sentence-transformers' description of the model: max_seq_length and its pooling
    "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
]  # fmt: skip


def weight_patterns(repo_files: list[str]) -> list[str]:
    """safetensors where the repository has them, else PyTorch's pickle (e.g. microsoft/deberta-xlarge-mnli)."""
    if any(name.endswith(".safetensors") and "/" not in name for name in repo_files):
        return ["*.safetensors"]
    return ["pytorch_model*.bin"]


def download_model(repo_id: str, revision: str | None = None, cache_dir: str | None = None) -> Path:
    from huggingface_hub import list_repo_files, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    from tqdm.auto import tqdm

    try:
        weights = weight_patterns(list_repo_files(repo_id, revision=revision))
    except Exception:  # noqa: BLE001 -- offline (HF_HUB_OFFLINE) the cache decides; either format will do
        weights = ["*.safetensors", "pytorch_model*.bin"]

    try:
        folder = snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            allow_patterns=[*MODEL_FILES, *weights],
            tqdm_class=tqdm,
        )
    except (HfHubHTTPError, LocalEntryNotFoundError) as err:
        raise DownloadError(f"cannot fetch {repo_id} from the Hugging Face hub: {str(err).splitlines()[0]}") from err
    return Path(folder)


class DownloadError(RuntimeError):
    """A model the hub does not have, or a hub that cannot be reached (offline, no token for a gated model)."""
