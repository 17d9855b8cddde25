"""Mutation testing (mutmut) of the Triton Python models' shared code, one module at a time:
`python test/mutation/python_mutation.py [module ...]` (scripts/mutation.sh runs it for the `py-*` names).

mutmut names a mutant after its file's path from where it runs, and switches it on where the running module's
`__module__` equals that name. The model.py files import the root modules of triton-models/ as top-level modules
(`bertscore_model`, ...), so mutmut runs in a scratch folder, `.mutmut/<module>/`, that holds those files at its
top, and the tests run from its `mutants/` copy, laid out as the repository: the suites' own `test/python` (its
`paths.py` finds the repository from its own place), `triton-models` pointing at the mutated top, and links to
the model folders, fixtures and test support. Reports: `reports/mutation/<module>.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRITON_MODELS = ROOT / "triton-models"
SOURCES = ("bertscore_model.py", "text_model_common.py", "bert_score_tokenizer.py")

# per module: the file mutated (at triton-models/), the pytest files or node ids that should kill its mutants, and
# whether `npm run mutation` without names runs it
MODULES = {
    "py-bertscore": {
        "mutate": "bertscore_model.py",
        "tests": ["test/python/test_bertscore_model.py", "test/python/test_greedy_matching.py"],
    },
    "py-text-common": {
        "mutate": "text_model_common.py",
        "tests": [
            "test/python/test_bertscore_model.py",
            "test/python/test_embed_model.py",
            "test/python/test_text_model_common.py",
        ],
    },
    # only when named (about 18 minutes on its own, test/mutation/README.md): the tokenizer's own tests but those
    # that ask the bert_score reference environment (a subprocess mutmut's mutants do not reach, and most of that
    # file's time)
    "py-tokenizer": {
        "mutate": "bert_score_tokenizer.py",
        "default": False,
        "tests": [
            f"test/python/test_bert_score_tokenizer.py::{name}"
            for name in (
                "test_the_tables_name_the_version_the_goldens_use",
                "test_the_interpreters_str_lower_and_isspace_agree_with_the_tables",
                "test_normalization_conformance_unicode_15",
                "test_slow_tokenizer_equals_the_reference_on_the_unicode_corpus",
                "test_fast_tokenizer_equals_the_reference_on_the_unicode_corpus",
                "test_rows_where_the_unpatched_reference_differs_have_unicode_differences",
                "test_slow_bert_normalizer_options_equal_the_reference",
                "test_added_tokens_lstrip_rstrip_and_single_word_equal_the_reference",
                "test_a_tokenizer_json_the_slow_tokenizers_cannot_rebuild_is_refused",
                "test_absent_normalizer_and_model_keys_take_transformers_defaults",
                "test_an_unknown_type_or_a_length_below_two_is_refused",
                "test_encode_keeps_max_length_minus_two_content_ids",
                "test_roberta_reads_merges_as_strings_and_needs_no_added_tokens",
                "test_categories_equal_the_interpreters_where_its_unicode_assigns_them",
                "test_code_points_are_the_merged_runs_of_a_category",
                "test_byte_symbols_are_gpt2s_byte_alphabet",
                "test_white_space_is_the_ucds_white_space_property",
                "test_slow_deberta_has_no_prefix_space",
                "test_hangul_composes_exactly_within_its_ranges",
                "test_a_class_1_mark_does_not_block_a_later_mark_from_composing",
                "test_a_reference_file_that_is_not_an_object_names_every_field",
            )
        ]
        + ["test/python/test_bertscore_model.py::test_a_repository_without_a_usable_reference_file_does_not_load"],
    },
}

def stage(module: str) -> Path:
    """A fresh `.mutmut/<module>/` with the sources at its top and `mutants/` prepared as the tests expect."""
    work = ROOT / ".mutmut" / module
    shutil.rmtree(work, ignore_errors=True)
    mutants = work / "mutants"
    (mutants / "test").mkdir(parents=True)
    for name in SOURCES:
        (work / name).symlink_to(TRITON_MODELS / name)
    # what the tests read beside the sources: the model folders and data files of the repository's root
    for path in TRITON_MODELS.iterdir():
        if path.name not in SOURCES and (path.is_dir() or path.suffix == ".json"):
            (mutants / path.name).symlink_to(path)
    (mutants / "triton-models").symlink_to(".")
    shutil.copytree(ROOT / "test" / "python", mutants / "test" / "python", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("fixtures", "support"):
        (mutants / "test" / name).symlink_to(ROOT / "test" / name)
    shutil.copyfile(ROOT / "pytest.ini", mutants / "pytest.ini")
    config = {
        "source_paths": list(SOURCES),
        "only_mutate": [MODULES[module]["mutate"]],
        "pytest_add_cli_args_test_selection": MODULES[module]["tests"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        "use_git_change_detection": False,
        "also_copy": [],
    }
    lines = ["[tool.mutmut]", *(f"{key} = {json.dumps(value)}" for key, value in config.items())]
    (work / "pyproject.toml").write_text("\n".join(lines).replace("False", "false") + "\n")
    return work


def results(work: Path, module: str) -> dict:
    # mutmut's names of its exit codes per mutant, and its diff of a mutant (read from where it ran)
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    source = MODULES[module]["mutate"]
    meta = json.loads((work / "mutants" / (source + ".meta")).read_text())
    outcomes = {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    detected = counts.get("killed", 0) + counts.get("timeout", 0)
    with contextlib.chdir(work):
        survivors = {
            name: {"status": outcome, "diff": changed_lines(get_diff_for_mutant(name, path=source))}
            for name, outcome in outcomes.items()
            if outcome not in ("killed", "timeout")
        }
    return {
        "module": module,
        "file": f"triton-models/{source}",
        "tests": MODULES[module]["tests"],
        "mutants": len(outcomes),
        "counts": counts,
        "score": round(100 * detected / len(outcomes), 1) if outcomes else None,
        "survivors": survivors,
    }


def changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")]


def run(module: str) -> dict:
    work = stage(module)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "export-scripts" / "src"), env.get("PYTHONPATH")]))
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", "2"], cwd=work, env=env, check=True)
    report = results(work, module)
    report["seconds"] = round(time.monotonic() - started)
    out = ROOT / "reports" / "mutation" / f"{module}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(names: list[str]) -> None:
    if names == ["--list"]:
        print("\n".join(name for name, module in MODULES.items() if module.get("default", True)))
        return
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        sys.exit(f"unknown module {unknown[0]}: one of {', '.join(MODULES)}")
    for name in names or [name for name, module in MODULES.items() if module.get("default", True)]:
        report = run(name)
        print(f"{name}: {report['mutants']} mutants, score {report['score']} %, {report['counts']}, "
              f"{report['seconds']} s; survivors in reports/mutation/{name}.json")


if __name__ == "__main__":
    main(sys.argv[1:])
