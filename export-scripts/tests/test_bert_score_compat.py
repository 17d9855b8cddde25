"""Why the shim exists (transformers 5 changes bert_score's encoding) and that it restores 4.x semantics."""

import bert_score.utils
import pytest
from gpu_bridge_export import bert_score_compat
from tokenizers import Tokenizer


@pytest.fixture(scope="module")
def roberta(tiny_hf):
    return bert_score.utils.get_tokenizer(str(tiny_hf / "tiny-roberta"), use_fast=False)


def test_roberta_encodes_space_plus_stripped_text(roberta, tiny_hf):
    runtime = Tokenizer.from_file(str(tiny_hf / "tiny-roberta" / "tokenizer.json"))
    ids = bert_score_compat.sent_encode(roberta, "  Hello world ")
    assert ids == runtime.encode(" Hello world").ids
    assert roberta.convert_ids_to_tokens(ids)[1].startswith("Ġ")


def test_empty_text_is_the_two_specials(roberta):
    assert bert_score_compat.sent_encode(roberta, "   ") == [roberta.cls_token_id, roberta.sep_token_id]


def test_truncates_at_model_max_length(roberta):
    assert len(bert_score_compat.sent_encode(roberta, "word " * 1000)) == 512


def test_installed_patches_and_restores():
    before = bert_score.utils.sent_encode
    with bert_score_compat.installed():
        assert bert_score.utils.sent_encode is bert_score_compat.sent_encode
    assert bert_score.utils.sent_encode is before


def test_unpatched_bert_score_differs_under_this_transformers(roberta):
    """If this starts failing, transformers/bert_score fixed it upstream and the shim may go."""
    original = bert_score_compat._original_sent_encode
    try:
        unpatched = original(roberta, "Hello world")
    except AttributeError:
        return
    assert unpatched != bert_score_compat.sent_encode(roberta, "Hello world")
