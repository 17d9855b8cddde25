"""Reads the model contract out of triton-models/README.md (its tables), for tests to hold configs against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

README_DTYPES = {"BYTES": "TYPE_STRING", "INT64": "TYPE_INT64", "INT32": "TYPE_INT32", "FP32": "TYPE_FP32"}


@dataclass
class Tensor:
    name: str
    data_type: str  # TYPE_*
    dims: list[int]


@dataclass
class ModelContract:
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {p.split("\n", 1)[0].strip(): p for p in parts[1:]}


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def _name(cell: str) -> str:
    return cell.strip("` ")


def _dims(cell: str) -> list[int]:
    return [int(x) for x in re.findall(r"-?\d+", cell)]


def parse_contract(readme: Path) -> dict:
    text = readme.read_text(encoding="utf-8")
    sections = _sections(text)
    models: dict[str, ModelContract] = {}

    current = None
    for row in _table_rows(sections["Encoders (onnxruntime backend)"]):
        model, in_name, in_type, in_dims, out_name, out_type, out_dims = row
        if model:
            current = models.setdefault(_name(model), ModelContract())
        if in_name:
            current.inputs.append(Tensor(_name(in_name), README_DTYPES[in_type], _dims(in_dims)))
        if out_name:
            current.outputs.append(Tensor(_name(out_name), README_DTYPES[out_type], _dims(out_dims)))

    def io_table(section: str) -> ModelContract:
        contract = ModelContract()
        for kind, name, dtype, dims, *_ in _table_rows(section):
            names = [_name(n) for n in name.split(",")]
            for n in names:
                tensor = Tensor(n, README_DTYPES[dtype], _dims(dims))
                (contract.inputs if kind == "input" else contract.outputs).append(tensor)
        return contract

    models["embed"] = io_table(sections["`embed` (python backend)"])
    bertscore_title = next(t for t in sections if t.startswith("`bertscore`"))
    models["bertscore"] = io_table(bertscore_title and sections[bertscore_title])
    device = ModelContract()
    for name, dtype, dims, _ in _table_rows(sections["`device_info` (python backend)"]):
        device.outputs.append(Tensor(_name(name), README_DTYPES[dtype], _dims(dims)))
    models["device_info"] = device

    parameters = {}
    for key, on, meaning in _table_rows(sections["Discovery parameters (config.pbtxt `parameters`, string values)"]):
        parameters[_name(key)] = {"on": on, "meaning": meaning}

    layout = re.findall(r"^  ([\w.-]+)/ ", sections["Layout"], flags=re.MULTILINE)
    encoder_batch = int(re.search(r"`max_batch_size` (\d+), dynamic batching", text).group(1))
    embed_batch = int(re.search(r"`max_batch_size` (\d+)", sections["`embed` (python backend)"]).group(1))
    bertscore_batch = int(re.search(r"`max_batch_size` (\d+)", sections[bertscore_title]).group(1))
    errors = [
        {"when": when, "status": int(status), "grpc": grpc, "by": by, "message": message}
        for when, status, grpc, by, message in _table_rows(sections["Errors"])
    ]
    return {
        "models": models,
        "parameters": parameters,
        "layout": layout,
        "encoder_max_batch_size": encoder_batch,
        "embed_max_batch_size": embed_batch,
        "bertscore_max_batch_size": bertscore_batch,
        "errors": errors,
        "text": text,
    }
