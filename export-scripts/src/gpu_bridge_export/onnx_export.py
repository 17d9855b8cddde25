"""Traces an encoder module to ONNX (dynamic batch and sequence axes) or TorchScript."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

DEFAULT_OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask")


def _example_inputs(vocab_size: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    input_ids = torch.randint(5, max(vocab_size, 6), (2, 8), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    return input_ids.to(device), attention_mask.to(device)


def export_onnx(
    module: torch.nn.Module,
    path: str | Path,
    output_names: tuple[str, ...],
    *,
    vocab_size: int,
    opset: int = DEFAULT_OPSET,
    device: str = "cpu",
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval().to(device)
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    for name in output_names:
        dynamic_axes[name] = {0: "batch", 1: "sequence"} if name == "token_embeddings" else {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            _example_inputs(vocab_size, device),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=list(output_names),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    return path


def export_torchscript(module: torch.nn.Module, path: str | Path, *, vocab_size: int, device: str = "cpu") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval().to(device)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(module, _example_inputs(vocab_size, device), strict=False)
    traced.save(str(path))
    return path
