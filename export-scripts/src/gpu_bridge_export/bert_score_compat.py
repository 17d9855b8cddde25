"""bert_score 0.3.13 as it behaves with transformers 4.x, for references computed under transformers 5.

bert_score's `sent_encode` breaks on transformers 5 in two ways that change scores:
- RoBERTa/GPT-2: `encode(..., add_prefix_space=True)` no longer adds the space (tokenizers are all backed by
  `tokenizers` now and ignore that call argument), so "Hello" becomes `Hello` instead of `ĠHello`;
- an empty text calls `build_inputs_with_special_tokens`, which transformers 5 tokenizers no longer have.
transformers 4.x cannot be pinned instead: sentence-transformers 6 requires transformers>=5. This shim restores the
4.x semantics (strip; RoBERTa encodes " " + text; an empty text is just the two specials; truncation at
`model_max_length`) and leaves everything else in bert_score untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import bert_score.utils as bert_score_utils
from transformers import GPT2Tokenizer, RobertaTokenizer

_original_sent_encode = bert_score_utils.sent_encode


def uses_prefix_space(tokenizer) -> bool:
    return isinstance(tokenizer, (GPT2Tokenizer, RobertaTokenizer))


def sent_encode(tokenizer, sent: str) -> list[int]:
    sent = sent.strip()
    if sent == "":
        return [tokenizer.cls_token_id, tokenizer.sep_token_id]
    text = " " + sent if uses_prefix_space(tokenizer) else sent
    return tokenizer.encode(
        text,
        add_special_tokens=True,
        max_length=tokenizer.model_max_length,
        truncation=True,
    )


def install() -> None:
    """Patches bert_score in place (idempotent)."""
    bert_score_utils.sent_encode = sent_encode


@contextlib.contextmanager
def installed() -> Iterator[None]:
    previous = bert_score_utils.sent_encode
    bert_score_utils.sent_encode = sent_encode
    try:
        yield
    finally:
        bert_score_utils.sent_encode = previous
