"""Device, VRAM and versions of what serves the models. Contract: triton-models/README.md."""

from __future__ import annotations

import platform

import numpy as np
import triton_python_backend_utils as pb_utils

RUNTIME = "triton python_backend"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_report() -> dict[str, object]:
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return {
            "DEVICE": "cuda",
            "DEVICE_NAME": torch.cuda.get_device_name(0),
            "VRAM_TOTAL_MB": total // (1024 * 1024),
            "VRAM_USED_MB": (total - free) // (1024 * 1024),
            "TORCH_VERSION": torch.__version__,
            "CUDA_VERSION": torch.version.cuda or "",
        }
    return {
        "DEVICE": "cpu",
        "DEVICE_NAME": _cpu_name(),
        "VRAM_TOTAL_MB": -1,
        "VRAM_USED_MB": -1,
        "TORCH_VERSION": torch.__version__ if torch is not None else "",
        "CUDA_VERSION": "",
    }


class TritonPythonModel:
    def execute(self, requests):
        report = {**device_report(), "RUNTIME": RUNTIME}
        responses = []
        for _ in requests:
            outputs = []
            for name, value in report.items():
                if isinstance(value, int):
                    outputs.append(pb_utils.Tensor(name, np.array([value], dtype=np.int64)))
                else:
                    outputs.append(pb_utils.Tensor(name, np.array([str(value).encode()], dtype=np.object_)))
            responses.append(pb_utils.InferenceResponse(output_tensors=outputs))
        return responses
