"""bert_score's `sent_encode`: text -> token ids, as bert_score 0.3.13 on transformers 4.57 encodes it.

bert_score tokenizes with transformers' slow (Python) tokenizers by default and with the fast ones when asked
(`use_fast_tokenizer=True`). Both are rebuilt here from the encoder's `tokenizer.json`:
- slow, `bert`: PreTrainedTokenizer.tokenize (per-character lower-casing around the special tokens, split on
  them) -> BasicTokenizer (clean, CJK, NFC, whitespace, lower, strip accents, punctuation) -> WordPiece;
- slow, `roberta`: `" " + text` (bert_score's add_prefix_space) -> split on the special tokens (`<mask>` eats the
  spaces on its left) -> GPT-2's pattern -> byte-level BPE;
- slow, `deberta` (DeBERTa v1): DebertaTokenizer is no GPT2Tokenizer to bert_score, so no prefix space; else as
  `roberta` (GPT-2's pattern, byte-level BPE), with [CLS]/[SEP];
- fast: the `tokenizers` library on tokenizer.json; bert_score adds no prefix space there, RoBERTa included.
The slow tokenizers read Unicode properties from the interpreter and the `regex` package, each with its own
Unicode version; here they come from `bert_score_unicode.json` (one Unicode version), the file the embedded runtime
reads too. Which bert_score, transformers and Unicode versions are reproduced is written once, in
`bert_score_reference.json` beside this file, which the embedded runtime reads as well (`load_reference`).

The model repository's root is not on the Python backend's sys.path: model.py appends it and imports this module.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

UNICODE_TABLES = Path(__file__).with_name("bert_score_unicode.json")
REFERENCE_FILE = Path(__file__).with_name("bert_score_reference.json")

_HANGUL_S, _HANGUL_L, _HANGUL_V, _HANGUL_T = 0xAC00, 0x1100, 0x1161, 0x11A7
_HANGUL_V_COUNT, _HANGUL_T_COUNT, _HANGUL_S_COUNT = 21, 28, 11172
_HANGUL_L_COUNT = 19
_SPECIALS = {
    "bert": ("[CLS]", "[SEP]", "[PAD]"),
    "roberta": ("<s>", "</s>", "<pad>"),
    "deberta": ("[CLS]", "[SEP]", "[PAD]"),
}
# transformers' BasicTokenizer._is_chinese_char (not the CJK blocks of any Unicode version)
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)  # fmt: skip
_MAX_INPUT_CHARS_PER_WORD = 100  # WordpieceTokenizer's default, which BertTokenizer never changes


def _in_ranges(ranges: list[list[int]]) -> frozenset[str]:
    return frozenset(chr(cp) for first, last in ranges for cp in range(first, last + 1))


class UnicodeTables:
    """The properties of bert_score_unicode.json with the operations the slow tokenizers perform on them."""

    def __init__(self, data: dict):
        self.version: str = data["unicode_version"]
        runs = data["general_category"]
        self._category_starts = [start for start, _ in runs]
        self._category_values = [value for _, value in runs]
        self.python_space = _in_ranges(data["python_space"])  # str.isspace
        self.white_space = _in_ranges(data["white_space"])  # the regex package's \s
        self._lower = {chr(row[0]): "".join(map(chr, row[1:])) for row in data["lowercase"]}
        self._decomposition = {row[0]: tuple(row[1:]) for row in data["canonical_decomposition"]}
        self._combining = {cp: value for first, last, value in data["combining_class"] for cp in range(first, last + 1)}
        excluded = {cp for first, last in data["full_composition_exclusion"] for cp in range(first, last + 1)}
        self._composition = {
            parts: cp for cp, parts in self._decomposition.items() if len(parts) == 2 and cp not in excluded
        }
        self.category = lru_cache(maxsize=None)(self._category)

    def _category(self, char: str) -> str:
        return self._category_values[bisect.bisect_right(self._category_starts, ord(char)) - 1]

    def code_points(self, predicate) -> list[tuple[int, int]]:
        """Ranges of the code points whose general category satisfies `predicate` (for character classes)."""
        ranges = []
        starts = self._category_starts + [0x110000]
        for index, value in enumerate(self._category_values):
            if predicate(value):
                first, last = starts[index], starts[index + 1] - 1
                if ranges and ranges[-1][1] == first - 1:
                    ranges[-1] = (ranges[-1][0], last)
                else:
                    ranges.append((first, last))
        return ranges

    # ---- str methods -----------------------------------------------------------------------------------------

    def lower(self, text: str) -> str:
        """str.lower() one character at a time, as PreTrainedTokenizer.tokenize applies it (no final sigma)."""
        return "".join(self._lower.get(char, char) for char in text)

    def strip(self, text: str) -> str:
        return self.rstrip(self.lstrip(text))

    def lstrip(self, text: str) -> str:
        start = 0
        while start < len(text) and text[start] in self.python_space:
            start += 1
        return text[start:]

    def rstrip(self, text: str) -> str:
        end = len(text)
        while end > 0 and text[end - 1] in self.python_space:
            end -= 1
        return text[:end]

    def split(self, text: str) -> list[str]:
        """str.split() without arguments."""
        words, word = [], []
        for char in text:
            if char in self.python_space:
                if word:
                    words.append("".join(word))
                    word = []
            else:
                word.append(char)
        if word:
            words.append("".join(word))
        return words

    # ---- unicodedata.normalize -------------------------------------------------------------------------------

    def _decompose(self, cp: int, out: list[int]) -> None:
        if _HANGUL_S <= cp < _HANGUL_S + _HANGUL_S_COUNT:
            index = cp - _HANGUL_S
            out.append(_HANGUL_L + index // (_HANGUL_V_COUNT * _HANGUL_T_COUNT))
            out.append(_HANGUL_V + index % (_HANGUL_V_COUNT * _HANGUL_T_COUNT) // _HANGUL_T_COUNT)
            if index % _HANGUL_T_COUNT:
                out.append(_HANGUL_T + index % _HANGUL_T_COUNT)
            return
        parts = self._decomposition.get(cp)
        if parts is None:
            out.append(cp)
        else:
            for part in parts:
                self._decompose(part, out)

    def _nfd_code_points(self, text: str) -> list[int]:
        out: list[int] = []
        for char in text:
            self._decompose(ord(char), out)
        # canonical ordering: a stable sort of every run of non-starters by combining class
        combining = self._combining
        start = 0
        while start < len(out):
            if combining.get(out[start], 0) == 0:
                start += 1
                continue
            end = start
            while end < len(out) and combining.get(out[end], 0) != 0:
                end += 1
            out[start:end] = sorted(out[start:end], key=lambda cp: combining[cp])
            start = end
        return out

    def nfd(self, text: str) -> str:
        if text.isascii():
            return text
        return "".join(map(chr, self._nfd_code_points(text)))

    def nfc(self, text: str) -> str:
        if text.isascii():
            return text
        combining = self._combining
        out: list[int] = []
        starter = -1  # index in out of the last starter
        last_class = 0  # combining class of the last character kept after that starter
        for cp in self._nfd_code_points(text):
            klass = combining.get(cp, 0)
            if starter >= 0 and (starter == len(out) - 1 or 0 < last_class < klass):
                composed = self._compose(out[starter], cp)
                if composed is not None:
                    out[starter] = composed
                    continue
            if klass == 0:
                starter = len(out)
            last_class = klass
            out.append(cp)
        return "".join(map(chr, out))

    def _compose(self, first: int, second: int) -> int | None:
        if _HANGUL_L <= first < _HANGUL_L + _HANGUL_L_COUNT and _HANGUL_V <= second < _HANGUL_V + _HANGUL_V_COUNT:
            return _HANGUL_S + ((first - _HANGUL_L) * _HANGUL_V_COUNT + second - _HANGUL_V) * _HANGUL_T_COUNT
        if (
            _HANGUL_S <= first < _HANGUL_S + _HANGUL_S_COUNT
            and (first - _HANGUL_S) % _HANGUL_T_COUNT == 0
            and _HANGUL_T < second < _HANGUL_T + _HANGUL_T_COUNT
        ):
            return first + second - _HANGUL_T
        return self._composition.get((first, second))


@lru_cache(maxsize=4)
def load_unicode_tables(path: Path = UNICODE_TABLES) -> UnicodeTables:
    return UnicodeTables(json.loads(Path(path).read_text(encoding="utf-8")))


class ReferenceFileError(ValueError):
    """bert_score_reference.json (or the tables it names) is missing or unusable."""


@dataclass(frozen=True)
class Reference:
    """The bert_score reproduced here (bert_score_reference.json): the versions its hash names and its Unicode."""

    bert_score_version: str
    transformers_version: str
    unicode_version: str


def load_reference(path: Path = REFERENCE_FILE, tables: Path = UNICODE_TABLES) -> Reference:
    """The reference versions, checked: every field a non-empty string, the tables of the Unicode version named."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceFileError(f"{path} is missing: the repository root needs it beside {Path(__file__).name}") from None
    except (OSError, ValueError) as error:
        raise ReferenceFileError(f"{path} is not readable JSON: {error}") from None
    names = [field.name for field in fields(Reference)]
    fields_of = data if isinstance(data, dict) else {}
    bad = [name for name in names if not isinstance(fields_of.get(name), str) or not fields_of[name]]
    if bad:
        raise ReferenceFileError(f"{path} names no {', '.join(bad)}")
    reference = Reference(**{name: data[name] for name in names})
    try:
        version = load_unicode_tables(Path(tables)).version
    except (OSError, ValueError, KeyError) as error:
        raise ReferenceFileError(f"{tables} is missing or unreadable: {error}") from None
    if version != reference.unicode_version:
        raise ReferenceFileError(f"{tables} holds Unicode {version}, {path} names {reference.unicode_version}")
    return reference


class _AddedTokens:
    """PreTrainedTokenizer.tokenize's handling of added tokens (Trie.split, then lstrip/rstrip/single_word)."""

    def __init__(self, added_tokens: list[dict], unicode: UnicodeTables):
        if any(not t.get("special") for t in added_tokens):
            # transformers lower-cases and splits those by flags this reimplementation does not carry
            raise ValueError("tokenizer.json has non-special added tokens, which the slow tokenizers treat apart")
        self.tokens = {t["content"]: t for t in added_tokens}
        contents = sorted(self.tokens, key=len, reverse=True)
        for content in contents:
            # transformers' regex alternation (first listed) and its Trie (longest) agree only without prefixes
            if any(other != content and other.startswith(content) for other in contents):
                raise ValueError(f"added token {content!r} is a prefix of another one")
        self._pattern = re.compile("|".join(map(re.escape, contents))) if contents else None
        self._unicode = unicode

    def protected_lower(self, text: str) -> str:
        """Lower-cases every character outside the special tokens (`do_lower_case` tokenizers)."""
        if self._pattern is None:
            return self._unicode.lower(text)
        pieces, last = [], 0
        for match in self._pattern.finditer(text):
            pieces += [self._unicode.lower(text[last : match.start()]), match.group()]
            last = match.end()
        pieces.append(self._unicode.lower(text[last:]))
        return "".join(pieces)

    def split(self, text: str) -> list[tuple[str, bool]]:
        """(piece, is an added token) in order, the pieces around tokens stripped as their flags say."""
        if self._pattern is None:
            return [(text, False)] if text else []
        pieces: list[str] = []
        last = 0
        for match in self._pattern.finditer(text):
            if match.start() > last:
                pieces.append(text[last : match.start()])
            pieces.append(match.group())
            last = match.end()
        if last < len(text):
            pieces.append(text[last:])
        for i, piece in enumerate(pieces):
            token = self.tokens.get(piece)
            if token is None:
                continue
            left = pieces[i - 1] if i > 0 else None
            right = pieces[i + 1] if i < len(pieces) - 1 else None
            if token.get("rstrip") and right:
                pieces[i + 1] = self._unicode.lstrip(right)
            if token.get("lstrip") and left:
                pieces[i - 1] = self._unicode.rstrip(left)
            if token.get("single_word") and left and left[-1] != " ":
                pieces[i - 1] += piece
                pieces[i] = ""
            elif token.get("single_word") and right and right[0] != " ":
                pieces[i + 1] = piece + pieces[i + 1]
                pieces[i] = ""
        return [(piece, piece in self.tokens) for piece in pieces if piece]


class _SlowBert:
    """BertTokenizer (slow): BasicTokenizer then WordpieceTokenizer."""

    def __init__(self, tokenizer_json: dict, unicode: UnicodeTables):
        normalizer = tokenizer_json.get("normalizer") or {}
        model = tokenizer_json["model"]
        if normalizer.get("type") != "BertNormalizer" or not normalizer.get("clean_text", True):
            raise ValueError("a slow BERT tokenizer needs a BertNormalizer with clean_text (BasicTokenizer always cleans)")
        if model.get("type") != "WordPiece" or model.get("continuing_subword_prefix", "##") != "##":
            raise ValueError("a slow BERT tokenizer needs a WordPiece model with the ## prefix")
        self.unicode = unicode
        self.do_lower_case = bool(normalizer.get("lowercase", True))
        strip_accents = normalizer.get("strip_accents")
        self.strip_accents = strip_accents is not False if self.do_lower_case else bool(strip_accents)
        self.chinese = bool(normalizer.get("handle_chinese_chars", True))
        self.vocab: dict[str, int] = model["vocab"]
        self.unk = model["unk_token"]
        self.added = _AddedTokens(tokenizer_json.get("added_tokens", []), unicode)
        self.never_split = frozenset(t["content"] for t in tokenizer_json.get("added_tokens", []) if t.get("special"))

    def ids(self, text: str) -> list[int]:
        if self.do_lower_case:
            text = self.added.protected_lower(text)
        ids: list[int] = []
        for piece, is_added in self.added.split(text):
            if is_added:
                ids.append(self.added.tokens[piece]["id"])
            else:
                ids += [self.vocab.get(token, self.vocab[self.unk]) for token in self._tokenize(piece)]
        return ids

    def _tokenize(self, text: str) -> list[str]:
        unicode = self.unicode
        cleaned = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or (char not in "\t\n\r" and unicode.category(char)[0] == "C"):
                continue
            if char in " \t\n\r" or unicode.category(char) == "Zs":
                cleaned.append(" ")
            elif self.chinese and any(first <= cp <= last for first, last in _CJK_RANGES):
                cleaned += [" ", char, " "]
            else:
                cleaned.append(char)
        split_tokens: list[str] = []
        for token in unicode.split(unicode.nfc("".join(cleaned))):
            if token in self.never_split:
                split_tokens.append(token)
                continue
            if self.do_lower_case:
                token = unicode.lower(token)
            if self.strip_accents:
                token = "".join(c for c in unicode.nfd(token) if unicode.category(c) != "Mn")
            split_tokens += self._split_on_punctuation(token)
        pieces: list[str] = []
        for token in unicode.split(" ".join(split_tokens)):
            pieces += self._wordpiece(token)
        return pieces

    def _split_on_punctuation(self, token: str) -> list[str]:
        words: list[str] = []
        start_new_word = True
        for char in token:
            cp = ord(char)
            if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or self.unicode.category(char)[0] == "P":
                words.append(char)
                start_new_word = True
            else:
                if start_new_word:
                    words.append("")
                start_new_word = False
                words[-1] += char
        return words

    def _wordpiece(self, token: str) -> list[str]:
        if len(token) > _MAX_INPUT_CHARS_PER_WORD:
            return [self.unk]
        pieces = []
        start = 0
        while start < len(token):
            end = len(token)
            while start < end:
                piece = token[start:end] if start == 0 else "##" + token[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:
                return [self.unk]
            pieces.append(piece)
            start = end
        return pieces


def _byte_symbols() -> dict[int, str]:
    """GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 upwards."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    symbols = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in symbols:
            symbols[b] = chr(256 + extra)
            extra += 1
    return symbols


class _SlowRoberta:
    """RobertaTokenizer and DebertaTokenizer (slow): GPT-2's pattern (with this file's Unicode classes), bytes,
    BPE."""

    def __init__(self, tokenizer_json: dict, unicode: UnicodeTables):
        model = tokenizer_json["model"]
        if model.get("type") != "BPE":
            raise ValueError("a slow RoBERTa/DeBERTa tokenizer needs a BPE model")
        self.unicode = unicode
        self.vocab: dict[str, int] = model["vocab"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}
        self.unk_id = self.vocab.get("<unk>", self.vocab.get("[UNK]"))
        self.added = _AddedTokens(tokenizer_json.get("added_tokens", []), unicode)
        self.symbols = _byte_symbols()
        self.cache: dict[str, list[str]] = {}
        self.pattern = gpt2_pattern(unicode)

    def ids(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece, is_added in self.added.split(text):
            if is_added:
                ids.append(self.added.tokens[piece]["id"])
                continue
            for word in self.pattern.findall(piece):
                symbols = "".join(self.symbols[b] for b in word.encode("utf-8"))
                ids += [self.vocab.get(token, self.unk_id) for token in self._bpe(symbols)]
        return ids

    def _bpe(self, word: str) -> list[str]:
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        parts = list(word)
        while len(parts) > 1:
            pairs = set(itertools.pairwise(parts))
            best = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        if len(self.cache) < 100_000:
            self.cache[word] = parts
        return parts


def _char_class(ranges, negate: bool = False) -> str:
    body = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def gpt2_pattern(unicode: UnicodeTables) -> re.Pattern:
    r"""RobertaTokenizer.pat, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, with
    \p{L}, \p{N} and \s (White_Space) from the tables instead of the regex package's own Unicode version."""
    letters = unicode.code_points(lambda category: category[0] == "L")
    numbers = unicode.code_points(lambda category: category[0] == "N")
    spaces = [(ord(c), ord(c)) for c in sorted(unicode.white_space)]
    letter, number, space = _char_class(letters), _char_class(numbers), _char_class(spaces)
    not_space = _char_class(spaces, negate=True)
    other = _char_class(sorted(letters + numbers + spaces), negate=True)
    return re.compile(
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?{letter}+| ?{number}+| ?{other}+|{space}+(?!{not_space})|{space}+"
    )


class BertScoreTokenizer:
    """`encode(text)`: bert_score's sent_encode ids ([CLS]/<s> ... [SEP]/</s>, at most `max_length`)."""

    def __init__(self, version_dir: Path, tokenizer_type: str, max_length: int, use_fast: bool):
        if tokenizer_type not in _SPECIALS:
            raise ValueError(f"unknown tokenizer_type {tokenizer_type!r}")
        if max_length < 2:
            raise ValueError(f"max_length must be at least 2, got {max_length}")
        path = Path(version_dir) / "tokenizer.json"
        tokenizer_json = json.loads(path.read_text(encoding="utf-8"))
        vocab = {t["content"]: t["id"] for t in tokenizer_json.get("added_tokens", [])}
        vocab = {**tokenizer_json["model"]["vocab"], **vocab}
        cls, sep, pad = _SPECIALS[tokenizer_type]
        self.cls_id, self.sep_id, self.pad_id = vocab[cls], vocab[sep], vocab.get(pad, 0)
        self.max_content = max_length - 2
        self.unicode = load_unicode_tables()
        if use_fast:
            from tokenizers import Tokenizer

            self._fast = Tokenizer.from_file(str(path))
            self._fast.no_padding()
            self._fast.no_truncation()
            self._slow = None
        else:
            self._fast = None
            self._slow = (_SlowBert if tokenizer_type == "bert" else _SlowRoberta)(tokenizer_json, self.unicode)
        self._prefix_space = tokenizer_type == "roberta" and not use_fast

    def encode(self, text: str) -> list[int]:
        text = self.unicode.strip(text)
        if not text:
            return [self.cls_id, self.sep_id]
        if self._fast is not None:
            ids = self._fast.encode(text, add_special_tokens=False).ids
        else:
            # bert_score's add_prefix_space: the stripped text never starts with a space of its own
            ids = self._slow.ids(" " + text if self._prefix_space else text)
        return [self.cls_id, *ids[: self.max_content], self.sep_id]

    @property
    def special_ids(self) -> set[int]:
        return {self.cls_id, self.sep_id}
