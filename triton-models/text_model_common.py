"""What the text models (embed, bertscore*) share: request errors and their Triton codes, one execute loop that
answers each request of a batch, text inputs and request parameters, the encoder's files and tokenizers, and BLS calls to the encoder in length-sorted, padded batches.

A plain file at the repository root (Triton ignores files there; a folder would be taken for a model). Each
model.py puts the root on `sys.path` to import it. Contract: triton-models/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from bert_score_tokenizer import BertScoreTokenizer
from tokenizers import Tokenizer

Parsed = TypeVar("Parsed")
Result = TypeVar("Result")

# The encoders' max_batch_size in the contract: a BLS call never sends more rows.
ENCODER_MAX_BATCH = 64
TOKENIZER_FILE = "tokenizer.json"
BASELINE_FILE = "baseline.tsv"


class RequestError(Exception):
    """A client mistake: answered with its message as INVALID_ARG (HTTP 400, gRPC INVALID_ARGUMENT)."""


def error_response(error: Exception) -> pb_utils.InferenceResponse:
    """The response of a request that failed: client mistakes INVALID_ARG, anything else INTERNAL."""
    code = pb_utils.TritonError.INVALID_ARG if isinstance(error, RequestError) else pb_utils.TritonError.INTERNAL
    return pb_utils.InferenceResponse(error=pb_utils.TritonError(str(error), code))


def answer_each(
    requests: Sequence,
    parse: Callable[[object], Parsed],
    compute: Callable[[list[Parsed]], Sequence[Result]],
    respond: Callable[[Parsed, Result], pb_utils.InferenceResponse],
) -> list[pb_utils.InferenceResponse]:
    """A batch of requests answered one response each: a request's own mistake (found by `parse`) answers it alone;
    `compute` gets every parsed request at once and returns one result per request; a failure there (the encoder)
    fails the batch, never the server."""
    parsed: list[Parsed | RequestError] = []
    for request in requests:
        try:
            parsed.append(parse(request))
        except RequestError as error:
            parsed.append(error)
        except (ValueError, TypeError, KeyError, IndexError) as error:  # malformed tensors: still this request's mistake
            parsed.append(RequestError(f"bad request: {error}"))
    valid = [p for p in parsed if not isinstance(p, RequestError)]
    try:
        results = iter(compute(valid) if valid else [])
    except Exception as error:  # noqa: BLE001 -- an encoder failure fails the batch, never the server
        return [error_response(error) for _ in requests]
    return [error_response(p) if isinstance(p, RequestError) else respond(p, next(results)) for p in parsed]


# ---- inputs and parameters --------------------------------------------------------------------------------------


def input_array(request, name: str) -> np.ndarray:
    """A required input. Triton checks the count of inputs, not which: a request may carry an optional input in
    place of a required one."""
    tensor = pb_utils.get_input_tensor_by_name(request, name)
    if tensor is None:
        raise RequestError(f"missing input {name}")
    return tensor.as_numpy()


def decode(value: object, input_name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(f"invalid UTF-8 in {input_name}: {error}") from None


def request_parameters(request) -> dict:
    return json.loads(request.parameters() or "{}")


def bool_parameter(parameters: dict, key: str, default: bool = False) -> bool:
    """A JSON boolean, or the strings "true"/"false"/"1"/"0" in any case (some clients send strings)."""
    value = parameters.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0"):
        return False
    raise RequestError(f"parameter {key} must be a boolean, got {json.dumps(value)}")


def str_parameter(parameters: dict, key: str, default: str) -> str:
    value = parameters.get(key, default)
    if not isinstance(value, str):
        raise RequestError(f"parameter {key} must be a string, got {json.dumps(value)}")
    return value


# ---- configuration and the encoder's files ----------------------------------------------------------------------


def config_parameters(args: dict) -> dict[str, str]:
    config = json.loads(args["model_config"])
    return {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}


def encoder_folder(args: dict, encoder_model: str) -> Path:
    """The encoder's version folder: `<repository>/<encoder_model>/1`."""
    return Path(args["model_repository"]).parent / encoder_model / "1"


def require_encoder_file(folder: Path, name: str) -> Path:
    """`folder/name`, or the one error that says which file is missing and how to get it."""
    path = folder / name
    if not path.is_file():
        encoder, repository = folder.parent.name, folder.parent.parent
        raise pb_utils.TritonModelException(
            f"{path} is missing: export the encoder first, e.g. `gpu-bridge-export export {encoder} --out {repository}`"
        )
    return path


# ---- tokenizers -------------------------------------------------------------------------------------------------


class EncoderTokenizer:
    """embed's tokenizer: token ids as sentence-transformers gets them from tokenizer.json, specials included,
    truncated to `max_length` tokens."""

    def __init__(self, path: Path, max_length: int):
        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        pad = next((i for t in ("<pad>", "[PAD]") if (i := self._tokenizer.token_to_id(t)) is not None), None)
        self.pad_id = 0 if pad is None else pad

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]


def load_tokenizer(
    folder: Path, max_length: int, tokenizer_type: str | None = None, use_fast: bool = False
) -> EncoderTokenizer | BertScoreTokenizer:
    """The tokenizer of the encoder in `folder`. Without `tokenizer_type` (embed): tokenizer.json as
    sentence-transformers runs it. With one (`bert`, `roberta`: the bertscore models): bert_score's `sent_encode`
    with its default, the slow tokenizer, or with the fast one where `use_fast` (its `use_fast_tokenizer`)."""
    path = require_encoder_file(folder, TOKENIZER_FILE)
    if tokenizer_type is None:
        return EncoderTokenizer(path, max_length)
    return BertScoreTokenizer(folder, tokenizer_type, max_length, use_fast)


# ---- BLS calls to the encoder -----------------------------------------------------------------------------------


def length_sorted_chunks(lengths: list[int], max_tokens: int) -> Iterator[list[int]]:
    """Indices sorted by length, cut into chunks of at most ENCODER_MAX_BATCH rows and `max_tokens` padded tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < ENCODER_MAX_BATCH
            and (end - start + 1) * lengths[order[end]] <= max_tokens
        ):
            end += 1
        yield order[start:end]
        start = end


def call_encoder(encoder_model: str, output: str, token_ids: list[list[int]], pad_id: int, device) -> torch.Tensor:
    """One BLS call with `token_ids` padded to the longest; the encoder's `output` for every row, on `device`."""
    longest = max(len(ids) for ids in token_ids)
    input_ids = np.full((len(token_ids), longest), pad_id, dtype=np.int64)
    attention_mask = np.zeros((len(token_ids), longest), dtype=np.int64)
    for row, ids in enumerate(token_ids):
        input_ids[row, : len(ids)] = ids
        attention_mask[row, : len(ids)] = 1
    response = pb_utils.InferenceRequest(
        model_name=encoder_model,
        requested_output_names=[output],
        inputs=[pb_utils.Tensor("input_ids", input_ids), pb_utils.Tensor("attention_mask", attention_mask)],
    ).exec()
    if response.has_error():
        raise RuntimeError(f"encoder {encoder_model} failed: {response.error().message()}")
    tensor = pb_utils.get_output_tensor_by_name(response, output)
    return torch.from_dlpack(tensor.to_dlpack()).to(device, torch.float32)
