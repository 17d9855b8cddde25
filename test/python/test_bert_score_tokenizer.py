"""triton-models/bert_score_tokenizer.py: its Unicode 15.0.0 tables, and bert_score's tokenization of the Unicode
corpus with the real vocabularies against the reference (goldens/tokenizer-corpus.json, and that file against the
live bert_score reference environment)."""

import bz2
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from paths import ASSETS, GOLDENS, TRITON_MODELS
from prerequisites import require_reference

sys.path.append(str(TRITON_MODELS))
from bert_score_tokenizer import (
    UNICODE_TABLES,
    BertScoreTokenizer,
    load_reference,
    load_unicode_tables,
)
from gpu_bridge_export.reference_env import reference_python

CORPUS = json.loads((GOLDENS / "tokenizer-corpus.json").read_text(encoding="utf-8"))
UCD = Path("/usr/share/unicode")


@pytest.fixture(scope="module")
def reference_environment() -> None:
    require_reference()


needs_reference = pytest.mark.usefixtures("reference_environment")


@pytest.fixture(scope="module")
def ucd() -> Path:
    """The Unicode Character Database of the reference's Unicode version: scripts/setup.sh installs Debian's
    unicode-data of that version, so its absence fails (it is no reason to skip)."""
    version = load_reference().unicode_version
    prop_list = UCD / "PropList.txt"
    first = prop_list.read_text(encoding="utf-8").splitlines()[0] if prop_list.is_file() else "(missing)"
    if not (UCD / "NormalizationTest.txt.bz2").is_file() or f"-{version}.txt" not in first:
        pytest.fail(f"the Unicode {version} data files are not in {UCD} (PropList.txt: {first}): run `npm run setup` "
                    f"(it installs Debian's unicode-data {version})")
    return UCD


def test_the_tables_name_the_version_the_goldens_use():
    assert load_unicode_tables().version == CORPUS["unicode_version"] == load_reference().unicode_version


def test_the_interpreters_str_lower_and_isspace_agree_with_the_tables():
    """Why reference_runner --unicode-15 patches unicodedata and the regex pattern but not str methods."""
    tables = load_unicode_tables()
    differing = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        char = chr(cp)
        if (char in tables.python_space) != char.isspace():
            differing.append(f"U+{cp:04X} isspace")
        known = unicodedata.category(char) != "Cn"
        if tables.lower(char) != (char.lower() if known else char):
            differing.append(f"U+{cp:04X} lower")
    assert differing == []


@needs_reference
def test_the_tables_equal_unicodedata2_15_on_every_code_point():
    script = f"""
import sys, unicodedata2
sys.path.insert(0, {str(TRITON_MODELS)!r})
from bert_score_tokenizer import load_unicode_tables
assert unicodedata2.unidata_version == {load_reference().unicode_version!r}
t = load_unicode_tables()
bad = []
for cp in range(0x110000):
    c = chr(cp)
    space = unicodedata2.bidirectional(c) in ("WS", "B", "S") or unicodedata2.category(c) == "Zs"
    if t.category(c) != unicodedata2.category(c) or (c in t.python_space) != space:
        bad.append(cp)
    elif not 0xD800 <= cp <= 0xDFFF and (t.nfc(c) != unicodedata2.normalize("NFC", c) or t.nfd(c) != unicodedata2.normalize("NFD", c)):
        bad.append(cp)
print(len(bad), [hex(cp) for cp in bad[:20]])
"""
    out = subprocess.run([str(reference_python()), "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []"


def test_normalization_conformance_unicode_15(ucd):
    tables = load_unicode_tables()
    failures = []
    with bz2.open(ucd / "NormalizationTest.txt.bz2", "rt", encoding="utf-8") as lines:
        for line in lines:
            line = line.split("#")[0].strip()
            if not line or line.startswith("@"):
                continue
            c1, c2, c3, c4, c5 = ("".join(chr(int(x, 16)) for x in col.split()) for col in line.split(";")[:5])
            for source in (c1, c2, c3):
                if tables.nfc(source) != c2 or tables.nfd(source) != c3:
                    failures.append(line)
            for source in (c4, c5):
                if tables.nfc(source) != c4 or tables.nfd(source) != c5:
                    failures.append(line)
    assert failures == []


def test_the_committed_tables_are_the_generators_output(ucd):
    from gpu_bridge_export.unicode_tables import (
        build_tables,
        reference_unicode_version,
        render,
    )

    generated = render(build_tables(ucd, reference_unicode_version(UNICODE_TABLES)))
    assert generated == UNICODE_TABLES.read_text(encoding="utf-8")


def roberta_version_dir(directory: Path) -> Path:
    """tokenizer.json of RoBERTa's real vocabulary as transformers converts it from the slow tokenizer, which
    reads merges.txt as `split("\\n")[1:-1]` (a last line without newline, GPT-2's `Ġg azed`, is dropped)."""
    from gpu_bridge_export.fixtures.tiny_tokenizers import write_roberta_tokenizer

    vocab = json.loads((ASSETS / "roberta" / "vocab.json").read_text(encoding="utf-8"))
    merges = (ASSETS / "roberta" / "merges.txt").read_text(encoding="utf-8").split("\n")[1:-1]
    write_roberta_tokenizer(directory, vocab, merges)
    return directory


@pytest.fixture(scope="module")
def version_dirs(tmp_path_factory):
    return {"bert": ASSETS / "minilm", "roberta": roberta_version_dir(tmp_path_factory.mktemp("roberta"))}


ROWS = [(i, row["name"]) for i, row in enumerate(CORPUS["rows"])]


@pytest.mark.parametrize("kind", ["bert", "roberta"])
def test_slow_tokenizer_equals_the_reference_on_the_unicode_corpus(version_dirs, kind):
    tokenizer = BertScoreTokenizer(version_dirs[kind], kind, 512, use_fast=False)
    expected = CORPUS["tokenizers"][kind]
    mismatched = []
    for i, name in ROWS:
        row = CORPUS["rows"][i]
        ids = tokenizer.encode(row["text"])
        # the reference with its Unicode tables patched to 15.0.0, and the unpatched one where they agree
        if ids != expected["slow_unicode_15"][i] or (not row["unicode_differences"] and ids != expected["slow"][i]):
            mismatched.append(name)
    assert mismatched == []


@pytest.mark.parametrize("kind", ["bert", "roberta"])
def test_fast_tokenizer_equals_the_reference_on_the_unicode_corpus(version_dirs, kind):
    tokenizer = BertScoreTokenizer(version_dirs[kind], kind, 512, use_fast=True)
    expected = CORPUS["tokenizers"][kind]["fast"]
    assert [name for i, name in ROWS if tokenizer.encode(CORPUS["rows"][i]["text"]) != expected[i]] == []


def test_rows_where_the_unpatched_reference_differs_have_unicode_differences():
    differing = {
        row["name"]
        for kind in ("bert", "roberta")
        for row, slow, patched in zip(
            CORPUS["rows"], CORPUS["tokenizers"][kind]["slow"], CORPUS["tokenizers"][kind]["slow_unicode_15"]
        )
        if slow != patched
    }
    assert differing, "the corpus should hold code points new in Unicode 15.0"
    assert [row["name"] for row in CORPUS["rows"] if row["name"] in differing and not row["unicode_differences"]] == []


@needs_reference
def test_the_corpus_goldens_are_what_the_reference_gives_now():
    from gpu_bridge_export.fixtures.unicode_goldens import tokenizer_corpus_goldens

    assert tokenizer_corpus_goldens(ASSETS) == CORPUS


@needs_reference
def test_roberta_tokenizer_json_is_what_transformers_converts(version_dirs, tmp_path):
    from gpu_bridge_export.fixtures.unicode_goldens import roberta_folder
    from gpu_bridge_export.reference_env import run_reference

    (converted,) = run_reference([{"tokenizer_json": str(roberta_folder(ASSETS, tmp_path / "roberta"))}])
    ours = json.loads((version_dirs["roberta"] / "tokenizer.json").read_text(encoding="utf-8"))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in converted["model"]["merges"]]
    assert merges == [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in ours["model"]["merges"]]
    assert ("Ġg", "azed") not in merges
    assert converted["model"]["vocab"] == ours["model"]["vocab"]
    flags = ("content", "id", "lstrip", "rstrip", "single_word", "special")
    assert [{k: t[k] for k in flags} for t in converted["added_tokens"]] == [
        {k: t[k] for k in flags} for t in ours["added_tokens"]
    ]

