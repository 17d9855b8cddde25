"""Writes one encoder into a Triton repository: weights, runtime tokenizer, config.pbtxt (and baseline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import transformers

from gpu_bridge_export.encoder_folder import (
    clear_encoder_folder,
    complete_encoder_folder,
    encoder_folder_is_current,
)
from gpu_bridge_export.encoder_modules import (
    SentenceEncoder,
    TokenEncoder,
    load_truncated_encoder,
)
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.onnx_export import DEFAULT_OPSET, export_onnx, export_torchscript
from gpu_bridge_export.triton_config import encoder_config


@dataclass(frozen=True)
class ExportOptions:
    opset: int = DEFAULT_OPSET
    fp16: bool = False
    torchscript: bool = False
    device: str = "cpu"  # where the export traces the model
    instance_kind: str = "KIND_GPU"  # where Triton runs it
    tensorrt_fp16: bool = False


def export_info(spec: EncoderSpec, options: ExportOptions, source: str) -> dict:
    """What `1/export-info.json` records: enough to tell whether an existing export is what is asked for, and the
    transformers version that bert_score's hash names (the served models read it from here)."""
    return {
        "source": source,
        "num_layers": spec.num_layers,
        "sentence_embedding": spec.sentence_embedding,
        "fp16": options.fp16,
        "format": "torchscript" if options.torchscript else f"onnx opset {options.opset}",
        "instance_kind": options.instance_kind,
        "tensorrt_fp16": options.tensorrt_fp16,
        "transformers_version": transformers.__version__,
    }


def export_is_current(repository: str | Path, spec: EncoderSpec, options: ExportOptions, source: str) -> bool:
    weights = "model.pt" if options.torchscript else "model.onnx"
    return encoder_folder_is_current(
        repository, spec.name, weights=weights, export_info=lambda: export_info(spec, options, source)
    )


def export_encoder(
    spec: EncoderSpec,
    model_dir: str | Path,
    repository: str | Path,
    options: ExportOptions = ExportOptions(),
    baseline: str | Path | None = None,
    source: str | None = None,
) -> Path:
    """Exports `model_dir` (a Hugging Face model folder) as `repository/<spec.name>`; returns that folder.

    `1/export-info.json` is written last and atomically: its presence means the export is complete.
    """
    model_dir = Path(model_dir)
    model = load_truncated_encoder(model_dir, spec.num_layers)
    if options.fp16:
        model = model.half()
    module = SentenceEncoder(model) if spec.sentence_embedding else TokenEncoder(model)
    outputs = ("token_embeddings", "sentence_embedding") if spec.sentence_embedding else ("token_embeddings",)
    device = "cuda" if options.device == "cuda" and torch.cuda.is_available() else "cpu"
    if options.device == "cuda" and device == "cpu":
        raise RuntimeError("--device cuda asked for but torch sees no CUDA device")
    vocab_size = model.config.vocab_size

    version = clear_encoder_folder(repository, spec.name)
    if options.torchscript:
        export_torchscript(module, version / "model.pt", vocab_size=vocab_size, device=device)
    else:
        export_onnx(module, version / "model.onnx", outputs, vocab_size=vocab_size, opset=options.opset, device=device)

    config = encoder_config(
        spec.name,
        model.config.hidden_size,
        sentence_embedding=spec.sentence_embedding,
        instance_kind=options.instance_kind,
        torchscript=options.torchscript,
        tensorrt_fp16=options.tensorrt_fp16,
    )
    info = export_info(spec, options, source or model_dir.name)
    return complete_encoder_folder(
        version, tokenizer_from=model_dir, baseline=baseline, config=config, export_info=info
    )
