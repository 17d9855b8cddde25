"""Writes one encoder of the repository from a hub snapshot's ONNX export (no torch): the graph surgery's model.onnx,
the runtime tokenizer, the rescale baseline, config.pbtxt, and export-info.json last."""

from __future__ import annotations

import json
from pathlib import Path

import onnx

from gpu_bridge_export.catalog import CatalogEntry
from gpu_bridge_export.encoder_folder import (
    clear_encoder_folder,
    complete_encoder_folder,
)
from gpu_bridge_export.encoder_spec import EncoderSpec
from gpu_bridge_export.hub_onnx.graph_surgery import default_opset, to_contract_encoder
from gpu_bridge_export.triton_config import encoder_config

# The hub files the surgery reads beside the ONNX export.
SIDE_FILES = ("config.json", "tokenizer.json")
# bert_score's hash names a transformers version; a hub config.json that names none (roberta-large's, from 2020)
# leaves the version that made the ONNX file unknown, and the hash says so.
UNKNOWN_TRANSFORMERS_VERSION = "unknown"


def hub_files(entry: CatalogEntry) -> list[str]:
    return [entry.hub_onnx_file, *SIDE_FILES]


def hub_export_info(
    spec: EncoderSpec,
    *,
    source: str,
    source_files: dict[str, str],
    opset: int,
    transformers_version: str,
    instance_kind: str,
) -> dict:
    """export-info.json of a hub-ONNX encoder: the torch export's fields, `source` naming the hub commit and file,
    `source_files` each hub file's digest as the hub's metadata gives it (what fetch-models compares, not commits)."""
    return {
        "source": source,
        "source_files": source_files,
        "num_layers": spec.num_layers,
        "sentence_embedding": spec.sentence_embedding,
        "fp16": False,
        "format": f"onnx opset {opset} (hub ONNX, graph surgery)",
        "instance_kind": instance_kind,
        "tensorrt_fp16": False,
        "transformers_version": transformers_version,
    }


def convert_hub_onnx(
    spec: EncoderSpec,
    snapshot: str | Path,
    onnx_file: str,
    repository: str | Path,
    *,
    source: str,
    source_files: dict[str, str] | None = None,
    baseline: str | Path | None = None,
    instance_kind: str = "KIND_GPU",
) -> Path:
    """`snapshot` holds the hub repository's files at their paths; writes `repository/<spec.name>`, returns it."""
    snapshot = Path(snapshot)
    missing = [f for f in (onnx_file, *SIDE_FILES) if not (snapshot / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{snapshot} lacks {', '.join(missing)}")
    config_json = json.loads((snapshot / "config.json").read_text(encoding="utf-8"))
    hidden_size = int(config_json["hidden_size"])

    version = clear_encoder_folder(repository, spec.name)

    model = onnx.load(str(snapshot / onnx_file))
    opset = default_opset(model)
    to_contract_encoder(
        model, hidden_size=hidden_size, num_layers=spec.num_layers, sentence_embedding=spec.sentence_embedding
    )
    scratch_model = version / "model.onnx.tmp"
    onnx.save(model, str(scratch_model))
    del model
    onnx.checker.check_model(str(scratch_model))
    scratch_model.replace(version / "model.onnx")

    config = encoder_config(
        spec.name, hidden_size, sentence_embedding=spec.sentence_embedding, instance_kind=instance_kind
    )
    info = hub_export_info(
        spec,
        source=source,
        source_files=source_files or {},
        opset=opset,
        transformers_version=config_json.get("transformers_version") or UNKNOWN_TRANSFORMERS_VERSION,
        instance_kind=instance_kind,
    )
    return complete_encoder_folder(
        version, tokenizer_from=snapshot, baseline=baseline, config=config, export_info=info
    )
