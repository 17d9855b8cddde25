"""The runtime tokenizer file: the model's tokenizer.json with any baked-in truncation/padding removed.

Published files bake in settings (all-MiniLM-L6-v2: truncation 128 and fixed padding 128) that would silently
change results; the serving models apply their own truncation from `max_length`.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


def load_model_tokenizer(model_dir: str | Path) -> Tokenizer:
    model_dir = Path(model_dir)
    tokenizer_json = model_dir / "tokenizer.json"
    if tokenizer_json.is_file():
        return Tokenizer.from_file(str(tokenizer_json))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir)).backend_tokenizer


def write_runtime_tokenizer(model_dir: str | Path, destination: str | Path) -> Path:
    tokenizer = load_model_tokenizer(model_dir)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(destination), pretty=False)
    return destination
