"""What an encoder of the contract is: its name in the repository, where it is cut, whether it pools."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EncoderSpec:
    name: str  # model name in the repository
    num_layers: int | None  # None keeps every layer
    sentence_embedding: bool  # add the pooled, normalised sentence_embedding output
