"""python -m gpu_bridge_export.hub_onnx plan | convert: what to download from the hub, and the surgery on it.

Needs onnx, numpy, tokenizers and (for roberta-large's rescale baseline) the bert_score package's files; never torch.
proxy's fetch-models downloads the files (resumable, verified) and calls `convert`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gpu_bridge_export.catalog import CATALOG


def cmd_plan(args: argparse.Namespace) -> int:
    from gpu_bridge_export.hub_onnx.convert import hub_files

    unknown = [m for m in args.models if m not in CATALOG]
    if unknown:
        print(f"unknown model(s) {unknown}; choose from {sorted(CATALOG)}", file=sys.stderr)
        return 2
    plan = [
        {
            "model": name,
            "repo": CATALOG[name].hub_repo,
            "onnx": CATALOG[name].hub_onnx_file,
            "files": hub_files(CATALOG[name]),
        }
        for name in (args.models or CATALOG)
    ]
    print(json.dumps(plan))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from gpu_bridge_export.baseline import bert_score_baseline_path
    from gpu_bridge_export.hub_onnx.convert import convert_hub_onnx

    entry = CATALOG[args.model]
    baseline = bert_score_baseline_path(entry.baseline_model_type) if entry.baseline_model_type else None
    target = convert_hub_onnx(
        entry.spec,
        args.snapshot,
        entry.hub_onnx_file,
        args.out,
        source=args.source,
        source_files=args.source_files,
        baseline=baseline,
        instance_kind="KIND_CPU" if args.instance_kind == "cpu" else "KIND_GPU",
    )
    print(f"{args.model}: {args.source} -> {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gpu_bridge_export.hub_onnx", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="print the hub repository and files of each model as JSON")
    plan.add_argument("models", nargs="*", metavar="MODEL", help="default: every model of the catalog")
    plan.set_defaults(func=cmd_plan)
    convert = sub.add_parser("convert", help="write one model of the repository from its downloaded hub files")
    convert.add_argument("--model", required=True, choices=sorted(CATALOG))
    convert.add_argument("--snapshot", type=Path, required=True, help="folder holding the hub files at their paths")
    convert.add_argument("--source", required=True, help="what export-info.json records, e.g. ORG/NAME@COMMIT/FILE")
    convert.add_argument("--source-files", type=json.loads, default={},
                         help='what export-info.json records as source_files: {"FILE": "sha256:HEX", ...}')
    convert.add_argument("--out", type=Path, default=Path("triton-models"), help="model repository to write")
    convert.add_argument("--instance-kind", choices=["cpu", "gpu"], default="gpu",
                         help="instance_group kind in config.pbtxt (default gpu, as committed)")
    convert.set_defaults(func=cmd_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"hub_onnx: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
