"""The GPU rehearsal (issue 24), one command on a GPU machine or on a CPU:

    python bench/gpu/rehearsal.py --out DIR [--smoke] [--seconds S]

Runs the shipped embed and bertscore model.py files under the pb_utils harness, their BLS calls answered by seeded
encoders of the shipped architectures (all-MiniLM-L6-v2; roberta-large cut at the bertscore config's layer), and
writes DIR/rehearsal.json and DIR/rehearsal.md:
- model.py against sentence-transformers and bert_score.score on the same weights, on the CPU (always);
- model.py on CUDA against model.py on the CPU, the same requests (idf, several references), FP32;
- on CUDA: throughput at the batch sizes Triton's dynamic batcher forms (from the config.pbtxt files), FP32 and
  FP16 encoders with the difference FP16 makes, peak GPU memory; and the original service's method against
  model.py on two workloads. Without CUDA these parts say "skipped".
`--smoke`: tiny encoders and few texts (the CI test). See bench/gpu/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.dont_write_bytecode = True  # the working tree travels to the GPU machine; keep it free of __pycache__
ROOT = Path(__file__).resolve().parents[2]
# the export package (encoder modules, fixtures' corpus) and the pb_utils harness the Python suites run model.py with
sys.path[:0] = [str(ROOT / "export-scripts" / "src"), str(ROOT / "test" / "python")]

from carried_wheels import use_carried_wheels

GOALS = {"embed_sentences_per_s": 50_000, "bertscore_pairs_per_s": 5_000, "ratio_to_original": 20}


def scratch_directory(attempts: int = 100) -> tempfile.TemporaryDirectory:
    """A scratch folder for the encoders' folders whose path bert_score will load as what it is: bert_score's
    get_model takes any model_type containing "t5" for a T5 model, and a random folder name can contain it."""
    for _ in range(attempts):
        directory = tempfile.TemporaryDirectory(prefix="gpu-rehearsal-")
        if "t5" not in directory.name:
            return directory
        directory.cleanup()
    raise SystemExit(f"no scratch folder without 't5' in its path under {tempfile.gettempdir()}: set TMPDIR")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for rehearsal.json and rehearsal.md")
    parser.add_argument("--smoke", action="store_true", help="tiny encoders and few texts (CI)")
    parser.add_argument("--seconds", type=float, help="length of each throughput measurement (default 2, smoke 0.2)")
    parser.add_argument("--check-texts", type=int, help="texts in the equality checks (default 24, smoke 6)")
    parser.add_argument("--check-pairs", type=int, help="candidates per check request (default 16, smoke 4)")
    parser.add_argument("--device", choices=("cuda", "cpu"),
                        help="where the device phases run (default: CUDA if present, else they are skipped); "
                        "cpu only exercises their code, as the CI test does")  # fmt: skip
    parser.add_argument("--pool", type=int, default=4096, help="distinct texts the throughput requests draw from")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (0.2 if args.smoke else 2.0)
    args.check_texts = args.check_texts or (6 if args.smoke else 24)
    args.check_pairs = args.check_pairs or (4 if args.smoke else 16)
    return args


def main(argv: list[str] | None = None) -> dict:
    args = _parse(argv)
    started = time.perf_counter()
    with scratch_directory() as scratch:
        carried = use_carried_wheels(Path(scratch))
        from phases import (
            rehearse,  # imports torch, bert_score and tritonclient: after the carried wheels
        )

        result = rehearse(args, Path(scratch))
    result = {
        "command": " ".join(["python", "bench/gpu/rehearsal.py", *(argv if argv is not None else sys.argv[1:])]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "carried_wheels": carried,
        **result,
        "goals": GOALS,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rehearsal.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    from report import markdown

    (args.out / "rehearsal.md").write_text(markdown(result), encoding="utf-8")
    return result


def failed_phases(result: dict) -> list[str]:
    return [key for key, value in result.items() if isinstance(value, dict) and "error" in value]


if __name__ == "__main__":
    failed = failed_phases(main())
    if failed:
        sys.exit(f"phases that raised (their errors are in rehearsal.json): {', '.join(failed)}")
