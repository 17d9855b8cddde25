"""TEXT -> EMBEDDING with sentence-transformers `encode` semantics, the encoder called by BLS.

The encoder graph already pools (mean over the attention mask) and L2-normalises; this model strips, tokenizes
with truncation at `max_length`, batches by length and asks the encoder for `sentence_embedding` only.
Contract: triton-models/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from tokenizers import Tokenizer

ENCODER_MAX_BATCH = 64
MAX_TOKENS_PER_ENCODER_CALL = 64 * 256


class RequestError(Exception):
    """A client mistake; its message goes on that request's response."""


def _decode(value: object, input_name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(f"invalid UTF-8 in {input_name}: {error}") from None


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        parameters = {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}
        self.encoder_model = parameters["encoder_model"]
        self.max_length = int(parameters["max_length"])
        encoder_dir = Path(args["model_repository"]).parent / self.encoder_model / "1"
        self.tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _parse(self, request) -> list[str]:
        tensor = pb_utils.get_input_tensor_by_name(request, "TEXT")
        if tensor is None:
            raise RequestError("missing input TEXT")
        values = tensor.as_numpy().reshape(-1)
        if len(values) == 0:
            raise RequestError("empty batch")
        return [_decode(v, "TEXT").strip() for v in values]

    def _encode(self, token_ids: list[list[int]]) -> torch.Tensor:
        longest = max(len(ids) for ids in token_ids)
        input_ids = np.zeros((len(token_ids), longest), dtype=np.int64)
        attention_mask = np.zeros((len(token_ids), longest), dtype=np.int64)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        response = pb_utils.InferenceRequest(
            model_name=self.encoder_model,
            requested_output_names=["sentence_embedding"],
            inputs=[pb_utils.Tensor("input_ids", input_ids), pb_utils.Tensor("attention_mask", attention_mask)],
        ).exec()
        if response.has_error():
            raise RuntimeError(f"encoder {self.encoder_model} failed: {response.error().message()}")
        output = pb_utils.get_output_tensor_by_name(response, "sentence_embedding")
        return torch.from_dlpack(output.to_dlpack()).to(self.device, torch.float32)

    def _embed(self, texts: list[str]) -> torch.Tensor:
        token_ids = [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        result: torch.Tensor | None = None
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < ENCODER_MAX_BATCH
                and (end - start + 1) * len(token_ids[order[end]]) <= MAX_TOKENS_PER_ENCODER_CALL
            ):
                end += 1
            chunk = order[start:end]
            embeddings = self._encode([token_ids[i] for i in chunk])
            if result is None:
                result = torch.empty((len(texts), embeddings.shape[1]), dtype=torch.float32, device=self.device)
            result[chunk] = embeddings
            start = end
        return result

    def execute(self, requests):
        parsed: list[list[str] | None] = []
        errors: list[str | None] = []
        for request in requests:
            try:
                parsed.append(self._parse(request))
                errors.append(None)
            except RequestError as error:
                parsed.append(None)
                errors.append(str(error))

        texts = [t for rows in parsed if rows is not None for t in rows]
        embeddings = None
        if texts:
            try:
                embeddings = self._embed(texts).cpu().numpy()
            except Exception as error:  # noqa: BLE001 -- an encoder failure fails the batch, never the server
                return [pb_utils.InferenceResponse(error=pb_utils.TritonError(str(error))) for _ in requests]

        responses = []
        offset = 0
        for rows, error in zip(parsed, errors):
            if rows is None:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(error)))
                continue
            block = embeddings[offset : offset + len(rows)]
            offset += len(rows)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("EMBEDDING", block.copy())]))
        return responses

    def finalize(self):
        self.tokenizer = None
