"""A stand-in for Triton's `triton_python_backend_utils`, so the real model.py files run under pytest (and in
bench/gpu's rehearsal, which imports it from here).

BLS calls (`InferenceRequest(...).exec()`) run the exported encoder of the same repository in ONNX Runtime, or a
callable registered for that encoder name (`RUNTIME.encoders`: torch modules on a GPU, as Triton's KIND_GPU
encoders answer); configs are parsed with Triton's own ModelConfig protobuf (from tritonclient), and the model
gets the JSON Triton would give it.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
from google.protobuf import json_format, text_format
from tritonclient.grpc import model_config_pb2


def read_config(path: Path) -> dict:
    return parse_config(Path(path).read_text())


def parse_config(text: str) -> dict:
    message = text_format.Parse(text, model_config_pb2.ModelConfig())
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


class TritonError(Exception):
    # python_backend's codes (pb_error.h); Triton answers INVALID_ARG as HTTP 400 / gRPC INVALID_ARGUMENT and
    # INTERNAL, the default, as HTTP 500 / gRPC INTERNAL
    UNKNOWN, INTERNAL, NOT_FOUND, INVALID_ARG, UNAVAILABLE, UNSUPPORTED, ALREADY_EXISTS, CANCELLED = range(8)

    def __init__(self, message: str, code: int = INTERNAL):
        super().__init__(message)
        self._message = message
        self._code = code

    def message(self) -> str:
        return self._message

    def code(self) -> int:
        return self._code


class TritonModelException(Exception):
    pass


class Tensor:
    """A numpy array, or (from `from_dlpack`) a torch tensor that stays on its device, as pb_utils keeps GPU
    tensors on the GPU."""

    def __init__(self, name: str, array):
        self._name = name
        self._array = array if _is_torch_tensor(array) else np.asarray(array)

    def name(self) -> str:
        return self._name

    def as_numpy(self) -> np.ndarray:
        if not self.is_cpu():
            raise TritonModelException(f"tensor {self._name} is on {self._array.device}: as_numpy() needs a CPU tensor")
        return self._array.numpy() if _is_torch_tensor(self._array) else self._array

    def is_cpu(self) -> bool:
        return not _is_torch_tensor(self._array) or self._array.device.type == "cpu"

    def shape(self):
        return list(self._array.shape)

    def to_dlpack(self):
        if _is_torch_tensor(self._array):
            return self._array.contiguous().__dlpack__()
        if self._array.dtype == np.object_:
            raise TritonModelException("BYTES tensors cannot be shared over DLPack")
        return np.ascontiguousarray(self._array).__dlpack__()

    @staticmethod
    def from_dlpack(name: str, capsule) -> Tensor:
        import torch

        return Tensor(name, torch.from_dlpack(capsule))


def _is_torch_tensor(value) -> bool:
    torch = sys.modules.get("torch")  # a torch tensor can only exist once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


class InferenceResponse:
    def __init__(self, output_tensors=None, error: TritonError | None = None):
        self._outputs = list(output_tensors or [])
        self._error = error

    def output_tensors(self) -> list[Tensor]:
        return self._outputs

    def has_error(self) -> bool:
        return self._error is not None

    def error(self) -> TritonError | None:
        return self._error


@dataclass
class BlsCall:
    model_name: str
    requested_outputs: list[str]
    shapes: dict[str, tuple[int, ...]]


# An encoder answered in Python: (requested output names, {input name: array}) -> one Tensor per requested output
Encoder = Callable[[list[str], dict[str, np.ndarray]], list[Tensor]]


@dataclass
class Runtime:
    """What `InferenceRequest.exec()` runs: encoders of one repository, in ONNX Runtime or, for the names in
    `encoders`, the callable registered there; either way checked against the encoder's config.pbtxt."""

    repository: Path | None = None
    sessions: dict[Path, ort.InferenceSession] = field(default_factory=dict)
    encoders: dict[str, Encoder] = field(default_factory=dict)
    calls: list[BlsCall] = field(default_factory=list)
    # parsed once per text (Triton reads a config at load): parsing per call would dominate a fast encoder's time
    configs: dict[str, dict] = field(default_factory=dict)

    def run(self, model_name: str, requested: list[str], inputs: list[Tensor]) -> InferenceResponse:
        model_dir = self.repository / model_name
        onnx_path = model_dir / "1" / "model.onnx"
        encoder = self.encoders.get(model_name)
        if encoder is None and not onnx_path.is_file():
            return InferenceResponse(error=TritonError(f"Request for unknown model: '{model_name}' is not found"))
        text = (model_dir / "config.pbtxt").read_text()
        config = self.configs.get(text) or self.configs.setdefault(text, parse_config(text))
        declared_inputs = {t["name"] for t in config["input"]}
        declared_outputs = {t["name"] for t in config["output"]}
        feeds = {t.name(): t.as_numpy() for t in inputs}
        if set(feeds) != declared_inputs:
            return InferenceResponse(error=TritonError(f"inputs {sorted(feeds)} != {sorted(declared_inputs)}"))
        batch = next(iter(feeds.values())).shape[0]
        if batch > int(config.get("max_batch_size", 0)):
            return InferenceResponse(error=TritonError(f"batch size {batch} exceeds max_batch_size"))
        unknown = [name for name in requested if name not in declared_outputs]
        if unknown:
            return InferenceResponse(error=TritonError(f"unknown outputs {unknown}"))
        names = requested or sorted(declared_outputs)
        self.calls.append(BlsCall(model_name, list(requested), {k: v.shape for k, v in feeds.items()}))
        if encoder is not None:
            return InferenceResponse(output_tensors=encoder(names, feeds))
        session = self.sessions.get(onnx_path)
        if session is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 2
            session = self.sessions[onnx_path] = ort.InferenceSession(str(onnx_path), options)
        values = session.run(names, feeds)
        return InferenceResponse(output_tensors=[Tensor(n, v) for n, v in zip(names, values)])


RUNTIME = Runtime()


class InferenceRequest:
    """Both the BLS request a model sends and (via `request()`) the request Triton hands to `execute`."""

    def __init__(self, model_name: str = "", requested_output_names=(), inputs=(), parameters=None, **_ignored):
        self.model_name = model_name
        self._requested = list(requested_output_names)
        self._inputs = list(inputs)
        self._parameters = json.dumps(parameters or {}) if not isinstance(parameters, str) else parameters

    def inputs(self) -> list[Tensor]:
        return self._inputs

    def parameters(self) -> str:
        return self._parameters

    def requested_output_names(self) -> list[str]:
        return self._requested

    def exec(self, decoupled: bool = False) -> InferenceResponse:
        return RUNTIME.run(self.model_name, self._requested, self._inputs)


def get_input_tensor_by_name(request: InferenceRequest, name: str) -> Tensor | None:
    return next((t for t in request.inputs() if t.name() == name), None)


def get_output_tensor_by_name(response: InferenceResponse, name: str) -> Tensor | None:
    return next((t for t in response.output_tensors() if t.name() == name), None)


def _module() -> types.ModuleType:
    module = types.ModuleType("triton_python_backend_utils")
    for name, value in {
        "Tensor": Tensor,
        "InferenceRequest": InferenceRequest,
        "InferenceResponse": InferenceResponse,
        "TritonError": TritonError,
        "TritonModelException": TritonModelException,
        "get_input_tensor_by_name": get_input_tensor_by_name,
        "get_output_tensor_by_name": get_output_tensor_by_name,
    }.items():
        setattr(module, name, value)
    return module


sys.modules["triton_python_backend_utils"] = _module()
_counter = itertools.count()


def _import_model_py(model_py: Path, name: str) -> types.ModuleType:
    """Imports model.py as Triton's stub does, each model in a process of its own: the modules it imports from
    its repository root (`<root>/<model>/1/model.py`) are imported afresh from that root, and taken out of
    sys.modules and sys.path again afterwards, so no other repository's root modules stand in for them."""
    root = model_py.parents[2]
    root_modules = {path.stem for path in root.glob("*.py")}
    saved_path = list(sys.path)
    saved_modules = {module: sys.modules.pop(module) for module in root_modules if module in sys.modules}
    # model.py appends its root to sys.path; first, so that no other folder there (another repository's root a
    # test put on it) provides these modules
    sys.path.insert(0, str(root))
    try:
        module_name = f"triton_model_{name.replace('-', '_')}_{next(_counter)}"
        spec = importlib.util.spec_from_file_location(module_name, model_py)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for module in root_modules:
            sys.modules.pop(module, None)
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path


def load_model(repository: Path, name: str, model_py: Path | None = None):
    """Imports `model_py` (default: the repository's own) and initialises it as Triton would."""
    repository = Path(repository)
    model_py = Path(model_py or repository / name / "1" / "model.py")
    module = _import_model_py(model_py, name)
    model = module.TritonPythonModel()
    config = read_config(repository / name / "config.pbtxt")
    if hasattr(model, "initialize"):
        model.initialize(
            {
                "model_config": json.dumps(config),
                "model_instance_kind": "CPU",
                "model_instance_name": f"{name}_0",
                "model_instance_device_id": "0",
                "model_repository": str(repository / name),
                "model_version": "1",
                "model_name": name,
            }
        )
    return model


def request(parameters: dict | None = None, **inputs) -> InferenceRequest:
    """A request as `execute` receives it: keyword arguments are input tensors."""
    return InferenceRequest(inputs=[Tensor(k, v) for k, v in inputs.items()], parameters=parameters)


def bytes_column(texts) -> np.ndarray:
    """[n, 1] BYTES from str (UTF-8 encoded) or raw bytes."""
    return np.array([[t.encode() if isinstance(t, str) else t] for t in texts], dtype=np.object_)


def bytes_rows(rows, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """[n, width] BYTES padded with b"" plus the matching REFERENCE_COUNT [n, 1]."""
    width = width or max(len(r) for r in rows)
    array = np.full((len(rows), width), b"", dtype=np.object_)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            array[i, j] = text.encode() if isinstance(text, str) else text
    counts = np.array([[len(r)] for r in rows], dtype=np.int32)
    return array, counts


def execute(model, repository: Path, requests: list[InferenceRequest]) -> list[InferenceResponse]:
    RUNTIME.repository = Path(repository)
    responses = model.execute(requests)
    assert len(responses) == len(requests), "execute must answer every request exactly once"
    return responses
