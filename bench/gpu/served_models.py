"""The shipped embed and bertscore model.py files under the pb_utils harness, each bound to the encoders that answer
its BLS calls; loaded as on a machine without CUDA (device "cpu") or as on the GPU machine (model.py's own choice)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
from encoders import SERVED, TRITON_MODELS, BlsEncoder
from pb_utils_harness import RUNTIME, execute, load_model
from workloads import ScoreRequest, embed_request


@dataclass
class ServedModel:
    name: str
    model: object
    repository: Path
    encoder: BlsEncoder

    @property
    def device(self) -> str:
        return str(self.model.device)

    def execute(self, requests: list) -> list:
        RUNTIME.encoders = {SERVED[self.name]: self.encoder}
        responses = execute(self.model, self.repository, requests)
        errors = [r.error().message() for r in responses if r.has_error()]
        if errors:
            raise RuntimeError(f"{self.name}: {errors[0]}")
        return responses

    def embed(self, texts_per_request: list[list[str]]) -> list[np.ndarray]:
        responses = self.execute([embed_request(texts) for texts in texts_per_request])
        return [r.output_tensors()[0].as_numpy() for r in responses]

    def score(self, requests: list[ScoreRequest]) -> list[np.ndarray]:
        """[n, 3] P, R, F per request."""
        responses = self.execute([r.to_triton() for r in requests])
        return [np.hstack([t.as_numpy() for t in r.output_tensors()[:3]]) for r in responses]


def load_served(name: str, repository: Path, encoder: BlsEncoder, cpu_only: bool) -> ServedModel:
    """model.py of `name` initialised by the harness; `cpu_only`: as Triton would on a machine without CUDA."""
    model_py = TRITON_MODELS / name / "1" / "model.py"
    if cpu_only:
        with mock.patch("torch.cuda.is_available", return_value=False):
            model = load_model(repository, name, model_py)
    else:
        model = load_model(repository, name, model_py)
    return ServedModel(name, model, repository, encoder)
