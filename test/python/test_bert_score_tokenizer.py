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
    ReferenceFileError,
    UnicodeTables,
    _byte_symbols,
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


def fresh_tables() -> UnicodeTables:
    """Built here, not load_unicode_tables(): those are cached, so only the first test to load them (and, under
    mutmut, not even that one) runs the constructor."""
    return UnicodeTables(json.loads(UNICODE_TABLES.read_text(encoding="utf-8")))


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
    tables = fresh_tables()
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
    tables = fresh_tables()
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
    # part 2: what part 1 does not list is its own normalization; U+D7A4 follows the last Hangul syllable
    assert (tables.nfd("\ud7a4"), tables.nfc("\ud7a4")) == ("\ud7a4", "\ud7a4")
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



# ---- options and refusals no real vocabulary exercises -------------------------------------------------------------
# Expected ids are transformers 4.57's slow tokenizers' (bert_score's sent_encode: `encode(text.strip())`), pinned
# here and checked against the reference environment by test_the_option_goldens_are_what_the_reference_gives_now.

OPTION_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "héllo", "Hello", "Héllo", "world", "Wörld", "wörld",
    "ab", "àb", "AB", "ÀB", "中", "文", "中文", "x", "y", "a", "b", "##b", "##y", "0", "9", "`", "~", "^", "$", "<",
    "=", "|", "+",
]  # fmt: skip
OPTION_TEXTS = [
    "Héllo Wörld ÀB", "hello world ab", "中文 x中y", "a`b~x^y$a<b=x|y+a", "x0y 9a", "Hello\u0301 wo\u0308rld", "Xy AB",
]  # fmt: skip
# BertTokenizer's keyword arguments -> the ids of OPTION_TEXTS
BERT_OPTIONS = [
    ({}, [[2, 5, 9, 12, 3], [2, 5, 9, 12, 3], [2, 16, 17, 19, 16, 20, 3], [2, 21, 27, 22, 28, 19, 29, 20, 30, 21, 31, 22, 32, 19, 33, 20, 34, 21, 3], [2, 1, 1, 3], [2, 5, 9, 3], [2, 19, 24, 12, 3]]),
    ({"do_lower_case": False}, [[2, 8, 10, 15, 3], [2, 5, 9, 12, 3], [2, 16, 17, 19, 16, 20, 3], [2, 21, 27, 22, 28, 19, 29, 20, 30, 21, 31, 22, 32, 19, 33, 20, 34, 21, 3], [2, 1, 1, 3], [2, 1, 11, 3], [2, 1, 14, 3]]),
    ({"do_lower_case": False, "strip_accents": True}, [[2, 7, 1, 14, 3], [2, 5, 9, 12, 3], [2, 16, 17, 19, 16, 20, 3], [2, 21, 27, 22, 28, 19, 29, 20, 30, 21, 31, 22, 32, 19, 33, 20, 34, 21, 3], [2, 1, 1, 3], [2, 7, 9, 3], [2, 1, 14, 3]]),
    ({"do_lower_case": True, "strip_accents": False}, [[2, 6, 11, 13, 3], [2, 5, 9, 12, 3], [2, 16, 17, 19, 16, 20, 3], [2, 21, 27, 22, 28, 19, 29, 20, 30, 21, 31, 22, 32, 19, 33, 20, 34, 21, 3], [2, 1, 1, 3], [2, 1, 11, 3], [2, 19, 24, 12, 3]]),
    ({"tokenize_chinese_chars": False}, [[2, 5, 9, 12, 3], [2, 5, 9, 12, 3], [2, 18, 1, 3], [2, 21, 27, 22, 28, 19, 29, 20, 30, 21, 31, 22, 32, 19, 33, 20, 34, 21, 3], [2, 1, 1, 3], [2, 5, 9, 3], [2, 19, 24, 12, 3]]),
]  # fmt: skip
# ("a  Xb 1Xbox": spaces before a letter, a number before a letter, for GPT-2's pattern's character classes)
ADDED_TEXTS = ["a  <l>  b", "a  <r>  b", "a<w>b", "a <w> b", "a<w> b", "a <w>b", "<w>b", "a<w>", "a  Xb 1Xbox"]
# RoBERTa's vocabulary with <l> (lstrip), <r> (rstrip) and <w> (single_word) added as special tokens
ADDED_IDS = {"<l>": 50262, "<r>": 50263, "<w>": 50264}
ADDED_EXPECTED = [
    [0, 10, 50262, 1437, 741, 2], [0, 10, 1437, 1437, 50263, 428, 2], [0, 10, 41552, 605, 15698, 428, 2],
    [0, 10, 1437, 50264, 741, 2], [0, 10, 41552, 605, 15698, 741, 2], [0, 10, 1437, 41552, 605, 15698, 428, 2],
    [0, 1437, 41552, 605, 15698, 428, 2], [0, 10, 41552, 605, 15698, 2], [0, 10, 1437, 1577, 428, 112, 46705, 2],
]  # fmt: skip
ADDED_FLAGS = {"<l>": {"lstrip": True}, "<r>": {"rstrip": True}, "<w>": {"single_word": True}}
# OPTION_VOCAB with <w> (single_word, id 35): a space other than " " beside it joins it to its piece, and
# BasicTokenizer's never_split keeps it whole there
BERT_ADDED_TEXTS = ["a\t<w> b", "x\u00a0<w>", "<w>\ty", "a<w>b", "a <w><w> b"]
BERT_ADDED_EXPECTED = [
    [2, 21, 1, 22, 3], [2, 19, 1, 3], [2, 1, 20, 3], [2, 21, 31, 1, 1, 22, 3], [2, 21, 31, 1, 1, 31, 1, 1, 22, 3],
]  # fmt: skip

REFERENCE_OPTIONS_SCRIPT = """
import json, sys, tempfile
from pathlib import Path
from transformers import AddedToken, BertTokenizer, RobertaTokenizer
vocab, texts, options, assets, added, added_texts, bert_added_texts = json.loads(sys.argv[1])
folder = Path(tempfile.mkdtemp())
(folder / "vocab.txt").write_text("\\n".join(vocab) + "\\n", encoding="utf-8")
bert = [[BertTokenizer(str(folder / "vocab.txt"), **kwargs).encode(t.strip()) for t in texts] for kwargs in options]
single_word = BertTokenizer(str(folder / "vocab.txt"))
single_word.add_special_tokens({"additional_special_tokens": [
    AddedToken("<w>", special=True, normalized=False, single_word=True)]})
bert_added = [single_word.encode(t.strip()) for t in bert_added_texts]
roberta = RobertaTokenizer(f"{assets}/roberta/vocab.json", f"{assets}/roberta/merges.txt")
roberta.add_special_tokens({"additional_special_tokens": [
    AddedToken(content, special=True, normalized=False, **flags) for content, flags in added.items()]})
ids = {content: roberta.convert_tokens_to_ids(content) for content in added}
encoded = [roberta.encode(t.strip(), add_special_tokens=True, add_prefix_space=True) for t in added_texts]
print(json.dumps([bert, ids, encoded, bert_added]))
"""


def bert_version_dir(directory: Path, options: dict) -> Path:
    """tokenizer.json of OPTION_VOCAB with the BertNormalizer transformers converts BertTokenizer(**options) to."""
    lower = options.get("do_lower_case", True)
    tokenizer_json = {
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
             "special": True}
            for i, t in enumerate(OPTION_VOCAB[:5])
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": options.get("tokenize_chinese_chars", True),
                       "strip_accents": options.get("strip_accents"), "lowercase": lower},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(OPTION_VOCAB)}},
    }  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tokenizer.json").write_text(json.dumps(tokenizer_json), encoding="utf-8")
    return directory


@pytest.mark.parametrize(("options", "expected"), BERT_OPTIONS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else "")
def test_slow_bert_normalizer_options_equal_the_reference(tmp_path, options, expected):
    """Cased, accents kept or stripped against the case, CJK not split, and the ASCII punctuation that Unicode
    files as symbols (`^$<=|+~` and the backquote)."""
    tokenizer = BertScoreTokenizer(bert_version_dir(tmp_path, options), "bert", 512, use_fast=False)
    assert [tokenizer.encode(text) for text in OPTION_TEXTS] == expected


def roberta_with_flagged_tokens(directory: Path) -> Path:
    roberta_version_dir(directory)
    tokenizer_json = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer_json["added_tokens"] = [t for t in tokenizer_json["added_tokens"] if t["id"] not in ADDED_IDS.values()]
    for content, flags in ADDED_FLAGS.items():
        token = {"id": ADDED_IDS[content], "content": content, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": True}  # fmt: skip
        tokenizer_json["added_tokens"].append({**token, **flags})
    (directory / "tokenizer.json").write_text(json.dumps(tokenizer_json), encoding="utf-8")
    return directory


def test_added_tokens_lstrip_rstrip_and_single_word_equal_the_reference(tmp_path):
    tokenizer = BertScoreTokenizer(roberta_with_flagged_tokens(tmp_path), "roberta", 512, use_fast=False)
    assert [tokenizer.encode(text) for text in ADDED_TEXTS] == ADDED_EXPECTED
    single_word = {"id": 35, "content": "<w>", "single_word": True, "special": True}
    bert = BertScoreTokenizer(
        edited_bert_dir(tmp_path / "bert", lambda j: j["added_tokens"].append(single_word)), "bert", 512, use_fast=False
    )
    assert [bert.encode(text) for text in BERT_ADDED_TEXTS] == BERT_ADDED_EXPECTED


@needs_reference
def test_the_option_goldens_are_what_the_reference_gives_now():
    options = [kwargs for kwargs, _ in BERT_OPTIONS]
    arguments = [OPTION_VOCAB, OPTION_TEXTS, options, str(ASSETS), ADDED_FLAGS, ADDED_TEXTS, BERT_ADDED_TEXTS]
    out = subprocess.run([str(reference_python()), "-c", REFERENCE_OPTIONS_SCRIPT, json.dumps(arguments)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    bert, ids, encoded, bert_added = json.loads(out.stdout)
    assert bert == [expected for _, expected in BERT_OPTIONS]
    assert (ids, encoded, bert_added) == (ADDED_IDS, ADDED_EXPECTED, BERT_ADDED_EXPECTED)


def edited_bert_dir(directory: Path, edit) -> Path:
    bert_version_dir(directory, {})
    tokenizer_json = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))
    edit(tokenizer_json)
    (directory / "tokenizer.json").write_text(json.dumps(tokenizer_json), encoding="utf-8")
    return directory


def as_roberta(tokenizer_json: dict) -> None:
    tokenizer_json["model"]["type"] = "WordPiece"
    tokenizer_json["added_tokens"] += [
        {"id": 35 + i, "content": t, "special": True} for i, t in enumerate(("<s>", "</s>"))
    ]


REFUSED = [
    ("bert", lambda j: j.pop("normalizer"),
     "a slow BERT tokenizer needs a BertNormalizer with clean_text (BasicTokenizer always cleans)"),
    ("bert", lambda j: j["normalizer"].update(type="Sequence"),
     "a slow BERT tokenizer needs a BertNormalizer with clean_text (BasicTokenizer always cleans)"),
    ("bert", lambda j: j["normalizer"].update(clean_text=False),
     "a slow BERT tokenizer needs a BertNormalizer with clean_text (BasicTokenizer always cleans)"),
    ("bert", lambda j: j["model"].update(type="BPE"), "a slow BERT tokenizer needs a WordPiece model with the ## prefix"),
    ("bert", lambda j: j["model"].update(continuing_subword_prefix="@@"),
     "a slow BERT tokenizer needs a WordPiece model with the ## prefix"),
    ("roberta", as_roberta, "a slow RoBERTa/DeBERTa tokenizer needs a BPE model"),
    ("bert", lambda j: j["added_tokens"].append({"id": 35, "content": "[new]", "special": False}),
     "tokenizer.json has non-special added tokens, which the slow tokenizers treat apart"),
    ("bert", lambda j: j["added_tokens"].append({"id": 35, "content": "[new]"}),
     "tokenizer.json has non-special added tokens, which the slow tokenizers treat apart"),
    ("bert", lambda j: j["added_tokens"].append({"id": 35, "content": "[CLS]x", "special": True}),
     "added token '[CLS]' is a prefix of another one"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "edit", "message"), REFUSED, ids=[m[:40] for _, _, m in REFUSED])
def test_a_tokenizer_json_the_slow_tokenizers_cannot_rebuild_is_refused(tmp_path, kind, edit, message):
    with pytest.raises(ValueError) as refused:
        BertScoreTokenizer(edited_bert_dir(tmp_path, edit), kind, 512, use_fast=False)
    assert str(refused.value) == message


def test_absent_normalizer_and_model_keys_take_transformers_defaults(tmp_path):
    """clean_text, lowercase, handle_chinese_chars and the ## prefix default on, as in tokenizers' own files."""

    def strip_defaults(tokenizer_json: dict) -> None:
        tokenizer_json["normalizer"] = {"type": "BertNormalizer", "strip_accents": None}
        del tokenizer_json["model"]["continuing_subword_prefix"]
        del tokenizer_json["added_tokens"]  # none of OPTION_TEXTS holds one

    tokenizer = BertScoreTokenizer(edited_bert_dir(tmp_path, strip_defaults), "bert", 512, use_fast=False)
    assert [tokenizer.encode(text) for text in OPTION_TEXTS] == BERT_OPTIONS[0][1]


@pytest.mark.parametrize(("kind", "max_length", "message"), [
    ("gpt2", 512, "unknown tokenizer_type 'gpt2'"), ("bert", 1, "max_length must be at least 2, got 1"),
])  # fmt: skip
def test_an_unknown_type_or_a_length_below_two_is_refused(tmp_path, kind, max_length, message):
    with pytest.raises(ValueError) as refused:
        BertScoreTokenizer(bert_version_dir(tmp_path, {}), kind, max_length, use_fast=False)
    assert str(refused.value) == message


def test_encode_keeps_max_length_minus_two_content_ids(tmp_path):
    folder = bert_version_dir(tmp_path, {})
    assert BertScoreTokenizer(folder, "bert", 2, use_fast=False).encode("hello world") == [2, 3]
    assert BertScoreTokenizer(folder, "bert", 3, use_fast=False).encode("hello world") == [2, 5, 3]
    tokenizer = BertScoreTokenizer(folder, "bert", 512, use_fast=False)
    assert (tokenizer.encode(" \u3000 "), tokenizer.pad_id, tokenizer.special_ids) == ([2, 3], 0, {2, 3})


def test_roberta_reads_merges_as_strings_and_needs_no_added_tokens(version_dirs, tmp_path):
    """tokenizers before 0.20 wrote each merge as one "a b" string, later ones as a pair; bert_score's texts hold
    no special token, so a file without added tokens encodes them the same."""
    texts = ["Hello world, it's 2024!", "naïve café  spaces", "中文 and emoji 🙂"]
    expected = [BertScoreTokenizer(version_dirs["roberta"], "roberta", 512, use_fast=False).encode(t) for t in texts]
    tokenizer_json = json.loads((version_dirs["roberta"] / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer_json["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in tokenizer_json["model"]["merges"]]
    del tokenizer_json["added_tokens"]
    (tmp_path / "tokenizer.json").write_text(json.dumps(tokenizer_json), encoding="utf-8")
    tokenizer = BertScoreTokenizer(tmp_path, "roberta", 512, use_fast=False)
    assert [tokenizer.encode(t) for t in texts] == expected
    assert (tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id) == (0, 2, 1)


def test_categories_equal_the_interpreters_where_its_unicode_assigns_them():
    tables = fresh_tables()
    differing = [
        f"U+{cp:04X}"
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) != "Cn" and tables.category(chr(cp)) != unicodedata.category(chr(cp))
    ]
    assert (differing, tables.category("\U0010ffff"), tables.category("\x00")) == ([], "Cn", "Cc")


@pytest.mark.parametrize("predicate", [lambda c: c[0] == "L", lambda c: c[0] == "N", lambda c: True, lambda c: c == "Cn"])
def test_code_points_are_the_merged_runs_of_a_category(predicate):
    tables = fresh_tables()
    ranges: list[tuple[int, int]] = []
    for cp in range(0x110000):
        if predicate(tables.category(chr(cp))):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    assert tables.code_points(predicate) == ranges


def test_byte_symbols_are_gpt2s_byte_alphabet():
    from tokenizers.pre_tokenizers import ByteLevel

    symbols = _byte_symbols()
    assert sorted(symbols) == list(range(256))
    assert set(symbols.values()) == set(ByteLevel.alphabet())
    assert [symbols[b] for b in b"a~\xa1\xff"] == ["a", "~", "¡", "ÿ"]


def test_white_space_is_the_ucds_white_space_property(ucd):
    """The regex package's \\s, which GPT-2's pattern uses."""
    expected = set()
    for line in (ucd / "PropList.txt").read_text(encoding="utf-8").splitlines():
        fields = [f.strip() for f in line.split("#")[0].split(";")]
        if len(fields) == 2 and fields[1] == "White_Space":
            first, _, last = fields[0].partition("..")
            expected.update(chr(cp) for cp in range(int(first, 16), int(last or first, 16) + 1))
    assert fresh_tables().white_space == expected


# DebertaTokenizer (slow) on RoBERTa's vocabulary: its specials are added after it, and bert_score gives it no prefix
# space (it is no GPT2Tokenizer)
DEBERTA_SPECIALS = {"[CLS]": 50262, "[SEP]": 50263, "[UNK]": 50264, "[PAD]": 50265, "[MASK]": 50266}
DEBERTA_TEXTS = ["Hello world", "hello, world!"]
DEBERTA_EXPECTED = [[50262, 31414, 232, 50263], [50262, 42891, 6, 232, 328, 50263]]
REFERENCE_DEBERTA_SCRIPT = """
import json, sys
from transformers import DebertaTokenizer
assets, texts = json.loads(sys.argv[1])
deberta = DebertaTokenizer(f"{assets}/roberta/vocab.json", f"{assets}/roberta/merges.txt")
specials = {t.content: i for i, t in deberta.added_tokens_decoder.items() if t.special}
print(json.dumps([specials, [deberta.encode(t.strip()) for t in texts]]))
"""


def test_slow_deberta_has_no_prefix_space(tmp_path):
    roberta_version_dir(tmp_path)
    tokenizer_json = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer_json["added_tokens"] = [{"id": i, "content": t, "special": True} for t, i in DEBERTA_SPECIALS.items()]
    (tmp_path / "tokenizer.json").write_text(json.dumps(tokenizer_json), encoding="utf-8")
    tokenizer = BertScoreTokenizer(tmp_path, "deberta", 512, use_fast=False)
    assert [tokenizer.encode(text) for text in DEBERTA_TEXTS] == DEBERTA_EXPECTED


@needs_reference
def test_the_deberta_goldens_are_what_the_reference_gives_now():
    arguments = json.dumps([str(ASSETS), DEBERTA_TEXTS])
    out = subprocess.run([str(reference_python()), "-c", REFERENCE_DEBERTA_SCRIPT, arguments],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(out.stdout) == [DEBERTA_SPECIALS, DEBERTA_EXPECTED]


@pytest.mark.parametrize(
    "text",
    [
        "\u1100\u1161",  # the first L and V: a syllable
        "\u1112\u1175",  # the last L and V
        "\u10ff\u1161",  # before the Ls
        "\u1113\u1161",  # after the Ls
        "\u1100\u1160",  # before the Vs
        "\u1100\u1176",  # after the Vs
        "\uac00\u11a7",  # the T base itself is no trailing consonant
        "\uac00\u11a8",  # the first T
        "\uac00\u11c2",  # the last T
        "\uac00\u11c3",  # after the Ts
        "\ud788\u11a8",  # the last LV syllable and a T
        "\ud7a4\u11a8",  # after the syllables
        "\uac01\u11a8",  # an LVT syllable takes no T
    ],
)
def test_hangul_composes_exactly_within_its_ranges(text):
    assert fresh_tables().nfc(text) == unicodedata.normalize("NFC", text)


def test_a_class_1_mark_does_not_block_a_later_mark_from_composing():
    # a + U+0334 (overlay, class 1) + U+0301 (class 230): the acute still composes with the a
    text = "a\u0334\u0301"
    assert fresh_tables().nfc(text) == unicodedata.normalize("NFC", text) == "\u00e1\u0334"


def test_a_reference_file_that_is_not_an_object_names_every_field(tmp_path):
    path = tmp_path / "bert_score_reference.json"
    path.write_text("[1]", encoding="utf-8")
    with pytest.raises(ReferenceFileError) as refused:
        load_reference(path)
    assert str(refused.value) == f"{path} names no bert_score_version, transformers_version, unicode_version"
