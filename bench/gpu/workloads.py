"""The rehearsal's texts and requests: seeded sentences of the fixture vocabulary's whole words, the requests the
equality and parity checks send (idf, several references, both tokenizers), and the batch sizes Triton's dynamic
batcher would hand a model, read from its config.pbtxt."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from gpu_bridge_export.fixtures.corpus import long_text
from pb_utils_harness import bytes_column, bytes_rows, request

WORDS_FILE = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "hf" / "tiny-bert" / "vocab.txt"


def sentences(count: int, seed: int, min_words: int = 6, max_words: int = 24) -> list[str]:
    words = [w for w in WORDS_FILE.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 1]
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=rng.randint(min_words, max_words))) + "." for _ in range(count)]


def batcher_sizes(config: dict) -> list[int]:
    """The batch sizes the dynamic batcher forms: its preferred sizes where the config names any, else every power
    of two up to max_batch_size and max_batch_size itself (it hands whatever is queued, up to the maximum)."""
    maximum = int(config["max_batch_size"])
    preferred = [int(n) for n in config.get("dynamic_batching", {}).get("preferred_batch_size", [])]
    if preferred:
        return sorted(set(preferred) | {maximum})
    sizes, size = [], 1
    while size < maximum:
        sizes.append(size)
        size *= 2
    return [*sizes, maximum]


def embed_request(texts: list[str]):
    return request(TEXT=bytes_column(texts))


@dataclass(frozen=True)
class ScoreRequest:
    """One bertscore request: candidates, a list of references per candidate, and its parameters."""

    candidates: list[str]
    references: list[list[str]]
    idf: bool = False
    use_fast_tokenizer: bool = False

    def to_triton(self):
        references, counts = bytes_rows(self.references)
        parameters = {"idf": self.idf, "use_fast_tokenizer": self.use_fast_tokenizer}
        return request(parameters, CANDIDATE=bytes_column(self.candidates), REFERENCE=references, REFERENCE_COUNT=counts)


def embed_checks(count: int, seed: int) -> list[list[str]]:
    """Requests of 1, 3 and the rest of `count` texts; a blank and an over-long text (truncated at max_length)."""
    texts = sentences(max(count - 2, 2), seed) + ["   ", long_text(400)]
    return [texts[:1], texts[1:4], texts[4:]]


def score_checks(count: int, seed: int, tokenizer_modes: list[bool]) -> list[ScoreRequest]:
    """For each tokenizer mode: one reference per candidate without idf; with idf and 1-3 references each."""
    candidates, references = sentences(count, seed), sentences(3 * count, seed + 1)
    single = [[r] for r in references[:count]]
    several = [references[3 * i : 3 * i + 1 + i % 3] for i in range(count)]
    return [
        request
        for fast in tokenizer_modes
        for request in (ScoreRequest(candidates, single, False, fast), ScoreRequest(candidates, several, True, fast))
    ]
