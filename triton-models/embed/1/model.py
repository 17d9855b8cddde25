"""TEXT -> EMBEDDING with sentence-transformers `encode` semantics, the encoder called by BLS.

The encoder graph already pools (mean over the attention mask) and L2-normalises; this model strips, tokenizes
with truncation at `max_length`, batches by length and asks the encoder for `sentence_embedding` only.
Contract: triton-models/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Triton puts only this model's folders on sys.path; the code the text models share sits at the repository root.
# No bytecode is written there: Triton would take a __pycache__ folder at the root for a model that fails to load.
sys.dont_write_bytecode = True
sys.path.append(str(Path(__file__).parents[2]))

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from text_model_common import (
    answer_each,
    call_encoder,
    config_parameters,
    decode,
    encoder_folder,
    input_array,
    length_sorted_chunks,
    load_tokenizer,
)

MAX_TOKENS_PER_ENCODER_CALL = 64 * 256


class TritonPythonModel:
    def initialize(self, args):
        parameters = config_parameters(args)
        self.encoder_model = parameters["encoder_model"]
        folder = encoder_folder(args, self.encoder_model)
        self.tokenizer = load_tokenizer(folder, int(parameters["max_length"]))
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _parse(self, request) -> list[str]:
        return [decode(v, "TEXT").strip() for v in input_array(request, "TEXT").reshape(-1)]

    def _embed(self, texts: list[str]) -> torch.Tensor:
        token_ids = self.tokenizer.encode_batch(texts)
        result: torch.Tensor | None = None
        for chunk in length_sorted_chunks([len(ids) for ids in token_ids], MAX_TOKENS_PER_ENCODER_CALL):
            rows = [token_ids[i] for i in chunk]
            embeddings = call_encoder(self.encoder_model, "sentence_embedding", rows, self.tokenizer.pad_id, self.device)
            if result is None:
                result = torch.empty((len(texts), embeddings.shape[1]), dtype=torch.float32, device=self.device)
            result[chunk] = embeddings
        return result

    def execute(self, requests):
        return answer_each(requests, self._parse, self._embed_each, _response)

    def _embed_each(self, parsed: list[list[str]]) -> list[np.ndarray]:
        embeddings = self._embed([t for texts in parsed for t in texts]).cpu().numpy()
        ends = np.cumsum([len(texts) for texts in parsed])
        return [embeddings[end - len(texts) : end] for texts, end in zip(parsed, ends)]

    def finalize(self):
        self.tokenizer = None


def _response(_texts: list[str], embeddings: np.ndarray):
    return pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("EMBEDDING", embeddings.copy())])
