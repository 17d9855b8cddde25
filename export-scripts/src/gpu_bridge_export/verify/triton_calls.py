"""The text models called over KServe v2 with tritonclient, by HTTP or gRPC."""

from __future__ import annotations

import numpy as np


class TritonTexts:
    def __init__(self, url: str, protocol: str):
        self.protocol = protocol
        if protocol == "http":
            import tritonclient.http as client
        else:
            import tritonclient.grpc as client
        self.module = client
        self.client = client.InferenceServerClient(url=url)

    def _infer(self, model: str, inputs: dict[str, np.ndarray], outputs: list[str], parameters=None) -> dict:
        tensors = []
        for name, array in inputs.items():
            dtype = "BYTES" if array.dtype == np.object_ else "INT32"
            tensor = self.module.InferInput(name, list(array.shape), dtype)
            tensor.set_data_from_numpy(array)
            tensors.append(tensor)
        requested = [self.module.InferRequestedOutput(name) for name in outputs]
        result = self.client.infer(model, tensors, outputs=requested, parameters=parameters)
        return {name: result.as_numpy(name) for name in outputs}

    def embed(self, texts: list[str], model: str = "embed") -> np.ndarray:
        column = np.array([[t.encode()] for t in texts], dtype=np.object_)
        return self._infer(model, {"TEXT": column}, ["EMBEDDING"])["EMBEDDING"]

    def bertscore(self, cands, refs, *, idf=False, rescale=False, use_fast=False, model="bertscore") -> dict:
        inputs = {
            "CANDIDATE": np.array([[c.encode()] for c in cands], dtype=np.object_),
            "REFERENCE": np.array([[r.encode()] for r in refs], dtype=np.object_),
        }
        parameters = {"idf": idf, "rescale_with_baseline": rescale, "use_fast_tokenizer": use_fast}
        out = self._infer(model, inputs, ["PRECISION", "RECALL", "F1", "HASH"], parameters)
        return {
            "P": out["PRECISION"].reshape(-1).tolist(),
            "R": out["RECALL"].reshape(-1).tolist(),
            "F": out["F1"].reshape(-1).tolist(),
            "hash": [h.decode() if isinstance(h, bytes) else str(h) for h in out["HASH"].reshape(-1)],
        }
