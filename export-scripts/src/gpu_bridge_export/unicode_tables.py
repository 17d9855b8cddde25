"""Writes triton-models/bert_score_unicode.json: the Unicode properties that bert_score's slow tokenizers read.

transformers' slow tokenizers take them from the interpreter (`unicodedata`, `str.lower`, `str.isspace`) and
from the `regex` package, each with its own Unicode version. Both BERTScore implementations (the Python models
and the embedded runtime) read this one file instead, so they tokenize by one Unicode version whatever runs them.

Source: the Unicode Character Database text files of exactly the version that the repository's
bert_score_reference.json names (`unicode_version`, beside the tables), as Debian packages them (`apt-get install
unicode-data=15.0.0-1` on Debian 12 puts them in /usr/share/unicode), read the way CPython's
Tools/unicode/makeunicodedata.py reads them:
- general category per code point (UnicodeData.txt; `<..., First>`/`<..., Last>` pairs are ranges, the rest Cn);
- `python_space`: what str.isspace() accepts (bidirectional class WS, B or S, or category Zs);
- `white_space`: the White_Space property (PropList.txt), the `regex` package's `\\s`;
- `lowercase`: str.lower() of one code point (SpecialCasing.txt's unconditional mappings, else the simple one);
- canonical decompositions, canonical combining classes and Full_Composition_Exclusion for NFD and NFC.
Run: `gpu-bridge-export unicode-tables --ucd /usr/share/unicode --out triton-models/bert_score_unicode.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

REFERENCE_FILE = "bert_score_reference.json"
MAX_CODE_POINT = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def _lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield [field.strip() for field in line.split(";")]


def reference_unicode_version(tables: Path) -> str:
    """The Unicode version that bert_score_reference.json beside `tables` names."""
    return json.loads((tables.parent / REFERENCE_FILE).read_text(encoding="utf-8"))["unicode_version"]


def _check_version(ucd: Path, version: str) -> None:
    for name in ("SpecialCasing.txt", "PropList.txt", "DerivedNormalizationProps.txt"):
        first = (ucd / name).read_text(encoding="utf-8").splitlines()[0]
        if f"-{version}.txt" not in first:
            raise ValueError(f"{ucd / name} is not Unicode {version}: {first!r}")


def _code_points(field: str) -> range:
    first, _, last = field.partition("..")
    return range(int(first, 16), int(last or first, 16) + 1)


def _unicode_data(ucd: Path) -> dict[int, list[str]]:
    records: dict[int, list[str]] = {}
    range_start: tuple[int, list[str]] | None = None
    for line in (ucd / "UnicodeData.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split(";")
        code_point = int(fields[0], 16)
        if fields[1].endswith(", First>"):
            range_start = (code_point, fields)
            continue
        if fields[1].endswith(", Last>"):
            start, first_fields = range_start
            for cp in range(start, code_point + 1):
                records[cp] = first_fields
            range_start = None
            continue
        records[code_point] = fields
    return records


def _runs(values: list[str]) -> list[list]:
    """[[first code point, value], ...]: each value holds up to the next run's first code point."""
    runs: list[list] = []
    for cp, value in enumerate(values):
        if not runs or runs[-1][1] != value:
            runs.append([cp, value])
    return runs


def _ranges(code_points) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def build_tables(ucd: Path, version: str) -> dict:
    _check_version(ucd, version)
    records = _unicode_data(ucd)
    categories = [records[cp][2] if cp in records else "Cn" for cp in range(MAX_CODE_POINT + 1)]

    python_space = [
        cp for cp, fields in sorted(records.items()) if fields[4] in ("WS", "B", "S") or fields[2] == "Zs"
    ]
    white_space = [cp for fields in _lines(ucd / "PropList.txt") if fields[1] == "White_Space"
                   for cp in _code_points(fields[0])]

    special_lower: dict[int, list[int]] = {}
    for fields in _lines(ucd / "SpecialCasing.txt"):
        condition = fields[4] if len(fields) > 4 else ""
        if not condition:  # CPython ignores the conditional (language or context) mappings
            special_lower[int(fields[0], 16)] = [int(c, 16) for c in fields[1].split()]
    lowercase = []
    for cp, fields in sorted(records.items()):
        mapped = special_lower.get(cp) or ([int(fields[13], 16)] if fields[13] else [cp])
        if mapped != [cp]:
            lowercase.append([cp, *mapped])

    decompositions = []
    for cp, fields in sorted(records.items()):
        if fields[5] and not fields[5].startswith("<") and not HANGUL_FIRST <= cp <= HANGUL_LAST:
            decompositions.append([cp, *(int(c, 16) for c in fields[5].split())])
    combining = _ranges_with_values({cp: int(fields[3]) for cp, fields in records.items() if fields[3] != "0"})
    exclusions = [cp for fields in _lines(ucd / "DerivedNormalizationProps.txt")
                  if fields[1] == "Full_Composition_Exclusion" for cp in _code_points(fields[0])]

    return {
        "unicode_version": version,
        "source": (
            f"Unicode Character Database {version} (UnicodeData.txt, SpecialCasing.txt, PropList.txt, "
            "DerivedNormalizationProps.txt), written by gpu_bridge_export.unicode_tables"
        ),
        "general_category": _runs(categories),
        "python_space": _ranges(python_space),
        "white_space": _ranges(white_space),
        "lowercase": lowercase,
        "canonical_decomposition": decompositions,
        "combining_class": combining,
        "full_composition_exclusion": _ranges(exclusions),
    }


def _ranges_with_values(values: dict[int, int]) -> list[list[int]]:
    """[[first, last, value], ...] over the code points that have a value."""
    ranges: list[list[int]] = []
    for cp in sorted(values):
        if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == values[cp]:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, values[cp]])
    return ranges


def render(tables: dict) -> str:
    """One key per line, each list on one line: small, and a regenerated file diffs by property."""
    body = ",\n".join(f" {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}" for key, value in tables.items())
    return "{\n" + body + "\n}\n"


def write_tables(ucd: Path, out: Path) -> Path:
    out.write_text(render(build_tables(ucd, reference_unicode_version(out))), encoding="utf-8")
    return out

