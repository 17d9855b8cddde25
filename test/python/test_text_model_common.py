"""triton-models/text_model_common.py on its own: the encoder batches it cuts, the padding of a BLS call, request
parameters and errors, and the execute loop that answers each request (the models' suites test it through
bertscore and embed)."""

import itertools
import json
import sys

import numpy as np
import pytest
from paths import FIXTURE_REPOSITORY, TRITON_MODELS
from pb_utils_harness import (
    RUNTIME,
    Tensor,
    TritonError,
    TritonModelException,
    bytes_column,
    request,
)
from tokenizers import Tokenizer
from tokenizers.models import WordPiece

sys.path.append(str(TRITON_MODELS))
from text_model_common import (
    ENCODER_MAX_BATCH,
    EncoderTokenizer,
    RequestError,
    answer_each,
    bool_parameter,
    call_encoder,
    config_parameters,
    decode,
    input_array,
    length_sorted_chunks,
    request_parameters,
    require_encoder_file,
    str_parameter,
)


def _padded_tokens(lengths, chunk):
    return len(chunk) * max(lengths[i] for i in chunk)


@pytest.mark.parametrize(
    ("lengths", "max_tokens", "expected"),
    [
        ([5, 1, 3], 100, [[1, 2, 0]]),
        # exactly max_tokens padded tokens still fit; one more row would not
        ([2, 2, 2], 6, [[0, 1, 2]]),
        ([2, 2, 2], 5, [[0, 1], [2]]),
        # the longer rows decide the padding: 2 rows of 4 fit in 8, a third would pad to 12
        ([1, 4, 4, 4], 8, [[0, 1], [2, 3]]),
        # a row longer than max_tokens still goes, alone
        ([9, 1], 4, [[1], [0]]),
        ([], 10, []),
    ],
)
def test_chunks_are_length_sorted_and_within_max_tokens(lengths, max_tokens, expected):
    assert list(length_sorted_chunks(lengths, max_tokens)) == expected


def test_chunks_hold_at_most_the_encoders_max_batch():
    lengths = [3] * (2 * ENCODER_MAX_BATCH + 1)
    chunks = list(length_sorted_chunks(lengths, max_tokens=10**9))
    assert [len(c) for c in chunks] == [ENCODER_MAX_BATCH, ENCODER_MAX_BATCH, 1]
    assert sorted(i for c in chunks for i in c) == list(range(len(lengths)))


def test_random_lengths_are_cut_into_sorted_bounded_chunks():
    rng = np.random.default_rng(3)
    lengths = [int(n) for n in rng.integers(1, 200, 300)]
    chunks = list(length_sorted_chunks(lengths, max_tokens=2000))
    order = [i for c in chunks for i in c]
    assert sorted(order) == list(range(len(lengths)))
    assert [lengths[i] for i in order] == sorted(lengths)
    assert all(len(c) <= ENCODER_MAX_BATCH and _padded_tokens(lengths, c) <= 2000 for c in chunks)
    # greedy: each chunk but the last would break a bound with the next row
    for chunk, following in itertools.pairwise(chunks):
        grown = [*chunk, following[0]]
        assert len(grown) > ENCODER_MAX_BATCH or _padded_tokens(lengths, grown) > 2000


@pytest.fixture
def echo_encoder():
    """tiny-bert answered by a callable that returns, per token, its input id and attention mask."""
    RUNTIME.repository = FIXTURE_REPOSITORY

    def encoder(names, feeds):
        echoed = np.stack([feeds["input_ids"], feeds["attention_mask"]], axis=-1).astype(np.float64)
        return [Tensor(name, echoed) for name in names]

    RUNTIME.encoders["tiny-bert"] = encoder
    yield
    del RUNTIME.encoders["tiny-bert"]


def test_an_encoder_call_pads_to_the_longest_row_with_the_pad_id(echo_encoder):
    out = call_encoder("tiny-bert", "token_embeddings", [[5, 6], [7, 8, 9], [4]], pad_id=1, device="cpu")
    assert out.dtype.is_floating_point and str(out.dtype) == "torch.float32"
    ids, mask = out[..., 0].int().tolist(), out[..., 1].int().tolist()
    assert ids == [[5, 6, 1], [7, 8, 9], [4, 1, 1]]
    assert mask == [[1, 1, 0], [1, 1, 1], [1, 0, 0]]


def test_an_encoder_error_is_raised_with_its_message():
    RUNTIME.repository = FIXTURE_REPOSITORY
    with pytest.raises(RuntimeError, match=r"^encoder no-such-encoder failed: Request for unknown model"):
        call_encoder("no-such-encoder", "token_embeddings", [[1, 2]], pad_id=0, device="cpu")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("TRUE", True), ("1", True), ("False", False), ("0", False)],
)
def test_boolean_parameters(value, expected):
    assert bool_parameter({"flag": value}, "flag") is expected


def test_a_missing_boolean_parameter_is_its_default():
    assert bool_parameter({}, "flag") is False
    assert bool_parameter({}, "flag", default=True) is True


@pytest.mark.parametrize("value", [1, 0, "yes", "", None, [True]])
def test_other_boolean_values_are_refused(value):
    with pytest.raises(RequestError) as raised:
        bool_parameter({"flag": value}, "flag")
    assert str(raised.value) == f"parameter flag must be a boolean, got {json.dumps(value)}"


def test_string_parameters():
    assert str_parameter({"lang": "de"}, "lang", "en") == "de"
    assert str_parameter({}, "lang", "en") == "en"
    with pytest.raises(RequestError, match=r"^parameter lang must be a string, got null$"):
        str_parameter({"lang": None}, "lang", "en")


def test_text_inputs_are_utf8():
    assert decode("já", "TEXT") == "já"
    assert decode("já".encode(), "TEXT") == "já"
    with pytest.raises(RequestError, match=r"^invalid UTF-8 in TEXT: "):
        decode(b"\xff", "TEXT")


def test_a_missing_input_is_a_request_error():
    with pytest.raises(RequestError, match=r"^missing input TEXT$"):
        input_array(request(OTHER=bytes_column(["a"])), "TEXT")


def test_config_parameters_are_their_string_values():
    config = {"parameters": {"a": {"string_value": "1"}, "b": {}}}
    assert config_parameters({"model_config": json.dumps(config)}) == {"a": "1", "b": ""}
    assert config_parameters({"model_config": "{}"}) == {}


def test_a_missing_encoder_file_names_the_export_command(tmp_path):
    folder = tmp_path / "repository" / "tiny-bert" / "1"
    folder.mkdir(parents=True)
    with pytest.raises(TritonModelException) as raised:
        require_encoder_file(folder, "tokenizer.json")
    assert str(raised.value) == (
        f"{folder / 'tokenizer.json'} is missing: export the encoder first, "
        f"e.g. `gpu-bridge-export export tiny-bert --out {tmp_path / 'repository'}`"
    )
    (folder / "tokenizer.json").write_text("{}")
    assert require_encoder_file(folder, "tokenizer.json") == folder / "tokenizer.json"


def test_the_encoder_tokenizer_truncates_and_finds_its_pad_id():
    path = FIXTURE_REPOSITORY / "tiny-bert" / "1" / "tokenizer.json"
    tokenizer = EncoderTokenizer(path, max_length=4)
    assert tokenizer.pad_id == 0  # [PAD]
    short, long = tokenizer.encode_batch(["a", "the cat is on the mat"])
    assert short == [2, 43, 3]  # [CLS] a [SEP], not padded to the longer text
    assert len(long) == 4 and long[0] == 2 and long[-1] == 3


@pytest.mark.parametrize(
    ("specials", "pad_id"),
    [(["[UNK]", "[PAD]"], 1), (["[UNK]", "x", "<pad>"], 2), (["[UNK]", "<pad>", "[PAD]"], 1), (["[UNK]"], 0)],
    ids=["[PAD]", "<pad>", "both", "neither"],
)
def test_the_pad_id_is_the_pad_tokens_id_else_0(tmp_path, specials, pad_id):
    vocab = {token: i for i, token in enumerate([*specials, "a"])}
    Tokenizer(WordPiece(vocab, unk_token="[UNK]")).save(str(tmp_path / "tokenizer.json"))
    assert EncoderTokenizer(tmp_path / "tokenizer.json", max_length=8).pad_id == pad_id


def test_request_parameters_may_be_empty():
    assert request_parameters(request(parameters="", TEXT=bytes_column(["a"]))) == {}
    assert request_parameters(request(parameters='{"idf": true}', TEXT=bytes_column(["a"]))) == {"idf": True}


def _parse(request_value):
    if request_value == "client mistake":
        raise RequestError("client mistake")
    if request_value == "malformed":
        raise IndexError("index 1 is out of bounds")
    return request_value


def _respond(parsed, result):
    return ("ok", parsed, result)


def test_each_request_is_answered_in_order_and_mistakes_only_answer_their_own():
    seen = []

    def compute(parsed):
        seen.append(parsed)
        return [p.upper() for p in parsed]

    responses = answer_each(["a", "client mistake", "b", "malformed"], _parse, compute, _respond)
    assert seen == [["a", "b"]]
    assert responses[0] == ("ok", "a", "A") and responses[2] == ("ok", "b", "B")
    for response, message in ((responses[1], "client mistake"), (responses[3], "bad request: index 1 is out of bounds")):
        assert response.has_error()
        assert response.error().code() == TritonError.INVALID_ARG
        assert response.error().message() == message


def test_a_batch_of_mistakes_does_not_compute():
    def compute(parsed):
        raise AssertionError("compute must not run")

    (response,) = answer_each(["client mistake"], _parse, compute, _respond)
    assert response.error().code() == TritonError.INVALID_ARG


def test_a_compute_failure_fails_every_request_as_internal():
    def compute(parsed):
        raise RuntimeError("encoder tiny-bert failed: out of memory")

    responses = answer_each(["a", "client mistake"], _parse, compute, _respond)
    assert [r.error().code() for r in responses] == [TritonError.INTERNAL] * 2
    assert [r.error().message() for r in responses] == ["encoder tiny-bert failed: out of memory"] * 2
