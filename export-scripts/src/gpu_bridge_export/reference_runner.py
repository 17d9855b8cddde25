"""Runs inside the bert_score reference environment: bert_score 0.3.13, unpatched, on transformers 4.57.

`python -m gpu_bridge_export.reference_runner [--unicode-15]` reads `{"jobs": [...]}` (JSON) on stdin and writes
`{"results": [...]}`, one result per job:
- `{"versions": true}` -> the versions that make the reference;
- `{"encode": {"tokenizer": dir, "use_fast": bool, "texts": [...]}}` -> `sent_encode` ids and tokens per text;
- `{"score": {"model_type": dir, "num_layers": n, "cands": [...], "refs": [...], "idf": bool, "rescale": bool,
  "baseline_path": path | null, "use_fast": bool, "hash_model_name": name}}` -> P, R, F (NaN as null) and
  bert_score's `get_hash` for the public model name;
- `{"bert_score_tables": true}` -> bert_score's model2layers and lang2model (gpu_bridge_export.bert_score_tables);
- `{"tokenizer_json": dir}` -> the fast tokenizer transformers converts from that folder's slow one;
- `{"unicode_differences": [text, ...]}` -> per text, the code points whose Unicode properties differ between
  this interpreter / the regex package and Unicode 15.0.0 (unicodedata2), as far as the slow tokenizers read them.

`--unicode-15` patches only the Unicode tables the slow tokenizers read: transformers' `unicodedata` becomes
unicodedata2 15.0.0 and RobertaTokenizer's pattern gets \\p{L} and \\p{N} of Unicode 15.0.0 (its \\s, White_Space,
is the same set in every version since 6.3). str.lower and str.isspace stay the interpreter's: Unicode 15.0 added
no case mapping and no space, and changed none of either (test/python checks this over every code point).
Nothing else of bert_score or transformers is touched.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import unicodedata

UNICODE_15 = "15.0.0"


def _class_of(predicate, module) -> str:
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if predicate(module.category(chr(cp))):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def patch_unicode_15() -> None:
    import regex
    import transformers.models.bert.tokenization_bert as bert_tokenization
    import unicodedata2
    from transformers import tokenization_utils
    from transformers.models.roberta import tokenization_roberta

    if unicodedata2.unidata_version != UNICODE_15:
        raise RuntimeError(f"unicodedata2 {unicodedata2.unidata_version} installed, {UNICODE_15} needed")
    tokenization_utils.unicodedata = unicodedata2
    bert_tokenization.unicodedata = unicodedata2
    letters = _class_of(lambda c: c[0] == "L", unicodedata2)
    numbers = _class_of(lambda c: c[0] == "N", unicodedata2)
    pattern = regex.compile(
        rf"""'s|'t|'re|'ve|'m|'ll|'d| ?[{letters}]+| ?[{numbers}]+| ?[^\s{letters}{numbers}]+|\s+(?!\S)|\s+"""
    )
    original_init = tokenization_roberta.RobertaTokenizer.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.pat = pattern

    tokenization_roberta.RobertaTokenizer.__init__ = init


def _versions() -> dict:
    from importlib.metadata import version

    import bert_score
    import regex
    import tokenizers
    import transformers

    return {
        "python": sys.version.split()[0],
        "python_unicode": unicodedata.unidata_version,
        "bert_score": version("bert-score"),
        "bert_score_version": bert_score.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "regex": regex.__version__,
    }


def _encode(job: dict) -> dict:
    from bert_score.utils import get_tokenizer, sent_encode

    tokenizer = get_tokenizer(job["tokenizer"], use_fast=job.get("use_fast", False))
    ids = [sent_encode(tokenizer, text) for text in job["texts"]]
    return {"ids": ids, "tokens": [tokenizer.convert_ids_to_tokens(row) for row in ids]}


def _nullable(values) -> list[float | None]:
    return [None if math.isnan(v) else v for v in (float(x) for x in values)]


def _score(job: dict) -> dict:
    import bert_score
    from bert_score.utils import get_hash

    (p, r, f) = bert_score.score(
        job["cands"],
        job["refs"],
        model_type=job["model_type"],
        num_layers=job["num_layers"],
        batch_size=1,
        idf=job.get("idf", False),
        nthreads=0,
        device="cpu",
        lang="en",
        rescale_with_baseline=job.get("rescale", False),
        baseline_path=job.get("baseline_path"),
        use_fast_tokenizer=job.get("use_fast", False),
    )
    # the hash as bert_score builds it for the public model name and its own baseline (the contract's form)
    hash_code = get_hash(job["hash_model_name"], job["num_layers"], job.get("idf", False), job.get("rescale", False),
                         False, job.get("use_fast", False))
    return {"P": _nullable(p.tolist()), "R": _nullable(r.tolist()), "F": _nullable(f.tolist()), "hash": hash_code}


def _tokenizer_json(directory: str) -> dict:
    from transformers import AutoTokenizer

    return json.loads(AutoTokenizer.from_pretrained(directory, use_fast=True).backend_tokenizer.to_str())


def _unicode_differences(texts: list[str]) -> list[list[dict]]:
    import regex
    import unicodedata2

    letter, number = regex.compile(r"\p{L}"), regex.compile(r"\p{N}")
    rows = []
    for text in texts:
        found = []
        for char in sorted(set(text)):
            ours, theirs = unicodedata2.category(char), unicodedata.category(char)
            reasons = []
            if ours != theirs:
                reasons.append(f"category {theirs} in Python's Unicode {unicodedata.unidata_version}, {ours} in 15.0")
            regex_class = "L" if letter.match(char) else "N" if number.match(char) else "-"
            ours_class = ours[0] if ours[0] in "LN" else "-"
            if regex_class != ours_class:
                reasons.append(f"regex {regex.__version__} class {regex_class}, Unicode 15.0 class {ours_class}")
            if reasons:
                found.append({"code_point": f"U+{ord(char):04X}", "reasons": reasons})
        rows.append(found)
    return rows


def run(jobs: list[dict]) -> list:
    results = []
    for job in jobs:
        if "versions" in job:
            results.append(_versions())
        elif "encode" in job:
            results.append(_encode(job["encode"]))
        elif "score" in job:
            results.append(_score(job["score"]))
        elif "bert_score_tables" in job:
            from gpu_bridge_export.bert_score_tables import tables_from_bert_score

            results.append(tables_from_bert_score())
        elif "tokenizer_json" in job:
            results.append(_tokenizer_json(job["tokenizer_json"]))
        elif "unicode_differences" in job:
            results.append(_unicode_differences(job["unicode_differences"]))
        else:
            raise ValueError(f"unknown job {sorted(job)}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unicode-15", action="store_true", help="Unicode 15.0.0 tables in the slow tokenizers")
    args = parser.parse_args()
    if args.unicode_15:
        patch_unicode_15()
    jobs = json.loads(sys.stdin.read())["jobs"]
    # what the libraries print, from Python or from native code (tokenizers), goes to stderr, not into the answer
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    results = run(jobs)
    with answer:
        json.dump({"results": results}, answer, ensure_ascii=False, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
