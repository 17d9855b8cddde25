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

    def model_index(self) -> list[dict]:
        """The repository index: name, version, state (READY, UNAVAILABLE, ...) and reason of every model."""
        if self.protocol == "http":
            return self.client.get_model_repository_index()
        return self.client.get_model_repository_index(as_json=True).get("models", [])

    def model_parameters(self, name: str) -> dict[str, str]:
        """A model's config `parameters` (task, model_name, num_layers...), the contract's discovery keys."""
        config = self.client.get_model_config(name) if self.protocol == "http" else (
            self.client.get_model_config(name, as_json=True)["config"]
        )
        return {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}

    def served(self, task: str) -> list[str]:
        """The ready models of a task (`embed`, `bertscore`), by name."""
        ready = [m["name"] for m in self.model_index() if m.get("state") == "READY"]
        return [name for name in ready if self.model_parameters(name).get("task") == task]

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
