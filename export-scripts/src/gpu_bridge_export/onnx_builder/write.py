"""Writes one encoder of the repository from a model folder's weights (no torch): the builder's model.onnx, the
runtime tokenizer, the rescale baseline, config.pbtxt, and export-info.json last (its presence means complete)."""

from __future__ import annotations

import json
from pathlib import Path

import onnx

from gpu_bridge_export.encoder_folder import (
    clear_encoder_folder,
    complete_encoder_folder,
    encoder_folder_is_current,
)
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.hub_onnx.convert import UNKNOWN_TRANSFORMERS_VERSION
from gpu_bridge_export.onnx_builder.encoder_graph import (
    OPSET,
    EncoderConfig,
    build_encoder_graph,
)
from gpu_bridge_export.triton_config import encoder_config


def built_export_info(spec: EncoderSpec, *, source: str, transformers_version: str, instance_kind: str) -> dict:
    """export-info.json of a built encoder: the torch export's fields, `format` naming the builder."""
    return {
        "source": source,
        "num_layers": spec.num_layers,
        "sentence_embedding": spec.sentence_embedding,
        "fp16": False,
        "format": f"onnx opset {OPSET} (built from safetensors)",
        "instance_kind": instance_kind,
        "tensorrt_fp16": False,
        "transformers_version": transformers_version,
    }


def _export_info_of(model_dir: Path, spec: EncoderSpec, source: str, instance_kind: str) -> dict:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    # bert_score's hash names a transformers version: that of the checkpoint, as the hub-ONNX route records
    version = config.get("transformers_version") or UNKNOWN_TRANSFORMERS_VERSION
    return built_export_info(spec, source=source, transformers_version=version, instance_kind=instance_kind)


def build_is_current(repository: str | Path, spec: EncoderSpec, model_dir: str | Path, *, source: str,
                     instance_kind: str = "KIND_GPU") -> bool:
    return encoder_folder_is_current(
        repository,
        spec.name,
        weights="model.onnx",
        export_info=lambda: _export_info_of(Path(model_dir), spec, source, instance_kind),
    )


def build_encoder(
    spec: EncoderSpec,
    model_dir: str | Path,
    repository: str | Path,
    *,
    source: str,
    baseline: str | Path | None = None,
    instance_kind: str = "KIND_GPU",
) -> Path:
    """Writes `repository/<spec.name>` from `model_dir` (config.json, model.safetensors, tokenizer files)."""
    model_dir = Path(model_dir)
    hidden_size = EncoderConfig.read(model_dir).hidden_size
    version = clear_encoder_folder(repository, spec.name)

    model = build_encoder_graph(model_dir, num_layers=spec.num_layers, sentence_embedding=spec.sentence_embedding)
    scratch_model = version / "model.onnx.tmp"
    onnx.save(model, str(scratch_model))
    del model
    onnx.checker.check_model(str(scratch_model), full_check=True)
    scratch_model.replace(version / "model.onnx")

    config = encoder_config(
        spec.name, hidden_size, sentence_embedding=spec.sentence_embedding, instance_kind=instance_kind
    )
    info = _export_info_of(model_dir, spec, source, instance_kind)
    return complete_encoder_folder(
        version, tokenizer_from=model_dir, baseline=baseline, config=config, export_info=info
    )
