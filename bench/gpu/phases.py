"""The rehearsal's phases in order: encoders and repository, the CPU parity with the reference packages, then on
CUDA the device equality, the FP16 difference, the batch-size sweeps and the comparison with the original method.
Returns the result that rehearsal.py writes."""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import transformers
from checks import compare, device_equality, reference_parity
from encoders import (
    SERVED,
    TOKENIZERS,
    BlsEncoder,
    architectures,
    load_module,
    write_hf_folder,
    write_repository,
)
from original_method import OriginalEmbedder, OriginalScorer
from pb_utils_harness import read_config
from served_models import load_served
from throughput import batch_sweep, embed_requests, score_requests, versus_original
from tokenizers import Tokenizer
from workloads import batcher_sizes, embed_checks, score_checks, sentences

FP16_TOLERANCE = 1e-2  # informative: what FP16 encoders may cost, not a pass/fail bound on the product


def _parameter(config: dict, key: str) -> str:
    return config["parameters"][key]["string_value"]


def _versions() -> dict:
    names = ("torch", "transformers", "sentence-transformers", "bert-score", "tokenizers", "numpy")
    return {name: importlib.metadata.version(name) for name in names}


def _mean_tokens(tokenizer_json: Path, texts: list[str]) -> float:
    return float(np.mean([len(e.ids) for e in Tokenizer.from_file(str(tokenizer_json)).encode_batch(texts)]))


def attempt(phase: Callable[[], dict]) -> dict:
    """A phase's result, or the error that stopped it: one lent machine, one run; the other phases still report."""
    try:
        return phase()
    except Exception as error:  # noqa: BLE001 -- written into the result; rehearsal.py exits 1 when any is there
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def _device(requested: str | None) -> torch.device | None:
    """Where the device phases run: CUDA where there is one; "cpu" only exercises them (figures meaningless)."""
    if requested == "cpu":
        return torch.device("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    return torch.device("cuda") if torch.cuda.is_available() else None


def rehearse(args: argparse.Namespace, scratch: Path) -> dict:
    torch.manual_seed(args.seed)
    transformers.logging.set_verbosity_error()
    repository = write_repository(scratch / "repository", list(SERVED))
    configs = {name: read_config(repository / name / "config.pbtxt") for name in SERVED}
    num_layers = int(_parameter(configs["bertscore"], "num_layers"))
    max_length = int(_parameter(configs["embed"], "max_length"))
    archs = architectures(args.smoke, num_layers)
    bert_score_layers = archs[SERVED["bertscore"]].layers
    hf = {name: write_hf_folder(scratch / "hf" / name, archs[SERVED[name]]) for name in SERVED}
    modules = {name: load_module(hf[name], sentence_embedding=name == "embed") for name in SERVED}
    cpu = {name: load_served(name, repository, BlsEncoder(modules[name], torch.device("cpu")), True) for name in SERVED}

    device = _device(args.device)
    # bert_score has no slow tokenizers on transformers 5: there only use_fast_tokenizer can be compared
    modes = [True] if int(transformers.__version__.split(".")[0]) >= 5 else [False, True]
    embed_check = embed_checks(args.check_texts, args.seed)
    score_check = score_checks(args.check_pairs, args.seed + 10, modes)
    pool = sentences(args.pool, args.seed + 20)
    # before anything initialises CUDA: bert_score's idf forks worker processes
    parity = attempt(lambda: reference_parity(cpu, hf, max_length, bert_score_layers, embed_check, score_check))
    result = {
        "smoke": args.smoke,
        "versions": _versions(),
        "device": torch.cuda.get_device_name(device) if device is not None and device.type == "cuda" else "cpu",
        "architectures": {name: {"encoder": SERVED[name], **archs[SERVED[name]].fields} for name in SERVED},
        "weights": f"seeded random (seed {args.seed}); tokenizers: the fixtures' vocabularies",
        "mean_tokens_per_text": {
            name: _mean_tokens(TOKENIZERS[SERVED[name]] / "tokenizer.json", pool[:512]) for name in SERVED
        },
        "batch_sizes": {name: batcher_sizes(configs[name]) for name in SERVED},
        "reference_parity": parity,
    }
    if device is None:
        skipped = {"skipped": "no CUDA device"}
        return {**result, "device_equality": skipped, "fp16_difference": skipped, "throughput": skipped,
                "versus_original": skipped}  # fmt: skip

    on_cpu = device.type == "cpu"
    gpu = {name: load_served(name, repository, BlsEncoder(copy.deepcopy(modules[name]), device), on_cpu)
           for name in SERVED}  # fmt: skip
    half = {name: load_served(name, repository, BlsEncoder(copy.deepcopy(modules[name]).half(), device), on_cpu)
            for name in SERVED}  # fmt: skip
    references = sentences(args.pool, args.seed + 30)
    makers = {
        "embed": lambda n: embed_requests(pool, n, 1),
        "bertscore": lambda n: score_requests(pool, references, n, 1),
    }

    def fp16_difference() -> dict:
        return {
            "embed": compare(half["embed"].embed(embed_check), gpu["embed"].embed(embed_check), FP16_TOLERANCE),
            "bertscore": compare(half["bertscore"].score(score_check), gpu["bertscore"].score(score_check),
                                 FP16_TOLERANCE),
        }  # fmt: skip

    def throughput() -> dict:
        return {
            name: {
                dtype: batch_sweep(served[name], makers[name], result["batch_sizes"][name], args.seconds)
                for dtype, served in (("fp32", gpu), ("fp16", half))
            }
            for name in SERVED
        }

    def against_original() -> dict:
        half.clear()
        if not on_cpu:
            torch.cuda.empty_cache()
        embedder = OriginalEmbedder(hf["embed"], max_length, str(device))
        scorer = OriginalScorer(hf["bertscore"], bert_score_layers, str(device))
        max_batch = {name: int(configs[name]["max_batch_size"]) for name in SERVED}
        return versus_original(gpu, embedder, scorer, max_batch, pool, references, args.seconds)

    phases = {
        "device_equality": lambda: device_equality(cpu, gpu, embed_check, score_check),
        "fp16_difference": fp16_difference,
        "throughput": throughput,
        "versus_original": against_original,
    }
    for key, phase in phases.items():
        result[key] = attempt(phase)
    return result
