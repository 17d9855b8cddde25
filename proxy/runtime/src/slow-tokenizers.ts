/**
 * bert_score's default tokenization: transformers' slow (Python) BertTokenizer and RobertaTokenizer as
 * bert_score 0.3.13 calls them on transformers 4.57, rebuilt from the encoder's tokenizer.json. The same
 * algorithm as triton-models/bert_score_tokenizer.py, on the same Unicode tables (unicode-tables.ts):
 * - bert: per-code-point lower-casing around the special tokens, split on them, BasicTokenizer (clean, CJK ranges,
 *   NFC, whitespace, lower, strip accents, punctuation), WordPiece;
 * - roberta: `" " + text`, split on the special tokens (`<mask>` eats the spaces on its left), GPT-2's pattern with
 *   the tables' letters, numbers and White_Space, byte-level BPE.
 */
import type { TokenizerType } from "@gpu-bridge/contract/model-contract";
import type { TextTokenizer, TokenizerJson } from "./text-tokenizer.js";
import type { CodePointRange, UnicodeTables } from "./unicode-tables.js";

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
}

interface ModelJson {
  type?: string;
  vocab: Record<string, number>;
  unk_token?: string;
  continuing_subword_prefix?: string | null;
  merges?: (string | [string, string])[];
}

interface NormalizerJson {
  type?: string;
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  strip_accents?: boolean | null;
  lowercase?: boolean;
}

const SPECIALS: Record<TokenizerType, [cls: string, sep: string, pad: string]> = {
  bert: ["[CLS]", "[SEP]", "[PAD]"],
  roberta: ["<s>", "</s>", "<pad>"],
};

/** transformers' BasicTokenizer._is_chinese_char (not the CJK blocks of any Unicode version). */
const CJK_RANGES: CodePointRange[] = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];
const MAX_INPUT_CHARS_PER_WORD = 100; // WordpieceTokenizer's default, which BertTokenizer never changes

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
const codePoint = (ch: string) => ch.codePointAt(0) as number;

/** PreTrainedTokenizer.tokenize's handling of added tokens (Trie.split, then lstrip/rstrip/single_word). */
class AddedTokens {
  readonly byContent: Map<string, AddedToken>;
  private readonly pattern: RegExp | undefined;

  constructor(
    tokens: AddedToken[],
    private readonly unicode: UnicodeTables,
  ) {
    if (tokens.some((t) => !t.special)) {
      // transformers lower-cases and splits those by flags this reimplementation does not carry
      throw new Error("tokenizer.json has non-special added tokens, which the slow tokenizers treat apart");
    }
    this.byContent = new Map(tokens.map((t) => [t.content, t]));
    const contents = [...this.byContent.keys()].sort((a, b) => b.length - a.length);
    for (const content of contents) {
      // transformers' regex alternation (first listed) and its Trie (longest) agree only without prefixes
      if (contents.some((other) => other !== content && other.startsWith(content))) {
        throw new Error(`added token ${JSON.stringify(content)} is a prefix of another one`);
      }
    }
    this.pattern = contents.length ? new RegExp(contents.map(escapeRegExp).join("|"), "gu") : undefined;
  }

  /** Lower-cases every code point outside the special tokens (`do_lower_case` tokenizers). */
  protectedLower(text: string): string {
    if (!this.pattern) return this.unicode.lower(text);
    let out = "";
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      out += this.unicode.lower(text.slice(last, match.index)) + match[0];
      last = match.index + match[0].length;
    }
    return out + this.unicode.lower(text.slice(last));
  }

  /** [piece, is an added token] in order, the pieces around tokens stripped as their flags say. */
  split(text: string): [string, boolean][] {
    if (!this.pattern) return text ? [[text, false]] : [];
    const pieces: string[] = [];
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index > last) pieces.push(text.slice(last, match.index));
      pieces.push(match[0]);
      last = match.index + match[0].length;
    }
    if (last < text.length) pieces.push(text.slice(last));
    pieces.forEach((piece, i) => {
      const token = this.byContent.get(piece);
      if (!token) return;
      const left = i > 0 ? pieces[i - 1] : undefined;
      const right = i < pieces.length - 1 ? pieces[i + 1] : undefined;
      if (token.rstrip && right) pieces[i + 1] = this.unicode.lstrip(right);
      if (token.lstrip && left) pieces[i - 1] = this.unicode.rstrip(left);
      if (token.single_word && left && !left.endsWith(" ")) {
        pieces[i - 1] += piece;
        pieces[i] = "";
      } else if (token.single_word && right && !right.startsWith(" ")) {
        pieces[i + 1] = piece + (pieces[i + 1] as string);
        pieces[i] = "";
      }
    });
    return pieces.filter((piece) => piece !== "").map((piece) => [piece, this.byContent.has(piece)]);
  }
}

interface SlowModel {
  ids(text: string): number[];
}

/** BertTokenizer (slow): BasicTokenizer then WordpieceTokenizer. */
class SlowBert implements SlowModel {
  private readonly doLowerCase: boolean;
  private readonly stripAccents: boolean;
  private readonly chinese: boolean;
  private readonly vocab: Map<string, number>;
  private readonly unk: string;
  private readonly unkId: number;
  private readonly added: AddedTokens;
  private readonly neverSplit: Set<string>;

  constructor(
    json: TokenizerJson,
    private readonly unicode: UnicodeTables,
  ) {
    const normalizer = (json.normalizer ?? {}) as NormalizerJson;
    const model = json.model as ModelJson;
    if (normalizer.type !== "BertNormalizer" || normalizer.clean_text === false) {
      throw new Error("a slow BERT tokenizer needs a BertNormalizer with clean_text (BasicTokenizer always cleans)");
    }
    if (model.type !== "WordPiece" || (model.continuing_subword_prefix ?? "##") !== "##") {
      throw new Error("a slow BERT tokenizer needs a WordPiece model with the ## prefix");
    }
    this.doLowerCase = normalizer.lowercase ?? true;
    const strip = normalizer.strip_accents ?? null;
    this.stripAccents = this.doLowerCase ? strip !== false : strip === true;
    this.chinese = normalizer.handle_chinese_chars ?? true;
    this.vocab = new Map(Object.entries(model.vocab));
    this.unk = model.unk_token ?? "[UNK]";
    const unkId = this.vocab.get(this.unk);
    if (unkId === undefined) throw new Error(`vocabulary has no ${this.unk}`);
    this.unkId = unkId;
    const added = (json.added_tokens ?? []) as AddedToken[];
    this.added = new AddedTokens(added, unicode);
    this.neverSplit = new Set(added.filter((t) => t.special).map((t) => t.content));
  }

  ids(text: string): number[] {
    const input = this.doLowerCase ? this.added.protectedLower(text) : text;
    const ids: number[] = [];
    for (const [piece, isAdded] of this.added.split(input)) {
      if (isAdded) ids.push((this.added.byContent.get(piece) as AddedToken).id);
      else for (const token of this.tokenize(piece)) ids.push(this.vocab.get(token) ?? this.unkId);
    }
    return ids;
  }

  private tokenize(text: string): string[] {
    const u = this.unicode;
    let cleaned = "";
    for (const ch of text) {
      const cp = codePoint(ch);
      const category = u.category(cp);
      if (cp === 0 || cp === 0xfffd || (ch !== "\t" && ch !== "\n" && ch !== "\r" && category.startsWith("C"))) continue;
      if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || category === "Zs") cleaned += " ";
      else if (this.chinese && CJK_RANGES.some(([first, last]) => cp >= first && cp <= last)) cleaned += ` ${ch} `;
      else cleaned += ch;
    }
    const splitTokens: string[] = [];
    for (let token of u.split(u.nfc(cleaned))) {
      if (this.neverSplit.has(token)) {
        splitTokens.push(token);
        continue;
      }
      if (this.doLowerCase) token = u.lower(token);
      if (this.stripAccents) {
        let stripped = "";
        for (const ch of u.nfd(token)) if (u.category(codePoint(ch)) !== "Mn") stripped += ch;
        token = stripped;
      }
      splitTokens.push(...this.splitOnPunctuation(token));
    }
    return u.split(splitTokens.join(" ")).flatMap((token) => this.wordpiece(token));
  }

  private splitOnPunctuation(token: string): string[] {
    const words: string[] = [];
    let startNewWord = true;
    for (const ch of token) {
      const cp = codePoint(ch);
      const punctuation =
        (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) ||
        this.unicode.category(cp).startsWith("P");
      if (punctuation) {
        words.push(ch);
        startNewWord = true;
      } else {
        if (startNewWord) words.push("");
        startNewWord = false;
        words[words.length - 1] += ch;
      }
    }
    return words;
  }

  private wordpiece(token: string): string[] {
    const chars = Array.from(token);
    if (chars.length > MAX_INPUT_CHARS_PER_WORD) return [this.unk];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const piece = (start > 0 ? "##" : "") + chars.slice(start, end).join("");
        if (this.vocab.has(piece)) {
          found = piece;
          break;
        }
        end--;
      }
      if (found === undefined) return [this.unk];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 upwards. */
function byteSymbols(): string[] {
  const printable = new Set<number>();
  for (const [first, last] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]] as const) {
    for (let b = first; b <= last; b++) printable.add(b);
  }
  const symbols: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) symbols[b] = String.fromCodePoint(printable.has(b) ? b : 256 + extra++);
  return symbols;
}

function charClass(ranges: readonly CodePointRange[], negate = false): string {
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  const body = ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join("");
  return `[${negate ? "^" : ""}${body}]`;
}

/**
 * RobertaTokenizer.pat, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, with \p{L},
 * \p{N} and \s (White_Space) from the tables instead of the regex package's own Unicode version.
 */
export function gpt2Pattern(unicode: UnicodeTables): RegExp {
  const letters = unicode.codePoints((c) => c.startsWith("L"));
  const numbers = unicode.codePoints((c) => c.startsWith("N"));
  const spaces = unicode.whiteSpaceRanges();
  const space = charClass(spaces);
  const other = charClass([...letters, ...numbers, ...spaces], true);
  return new RegExp(
    `'s|'t|'re|'ve|'m|'ll|'d| ?${charClass(letters)}+| ?${charClass(numbers)}+| ?${other}+|${space}+(?!${charClass(spaces, true)})|${space}+`,
    "gu",
  );
}

/** RobertaTokenizer (slow): GPT-2's pattern, UTF-8 bytes as symbols, BPE by merge rank. */
class SlowRoberta implements SlowModel {
  private readonly vocab: Map<string, number>;
  private readonly ranks = new Map<string, number>();
  private readonly unkId: number | undefined;
  private readonly added: AddedTokens;
  private readonly symbols = byteSymbols();
  private readonly pattern: RegExp;
  private readonly cache = new Map<string, string[]>();
  private readonly encoder = new TextEncoder();

  constructor(json: TokenizerJson, unicode: UnicodeTables) {
    const model = json.model as ModelJson;
    if (model.type !== "BPE") throw new Error("a slow RoBERTa tokenizer needs a BPE model");
    this.vocab = new Map(Object.entries(model.vocab));
    (model.merges ?? []).forEach((merge, rank) => {
      const [a, b] = typeof merge === "string" ? merge.split(" ") : merge;
      const key = `${a} ${b}`;
      this.ranks.set(key, rank); // a repeated merge keeps its last rank, as dict(zip(merges, ranks)) does
    });
    this.unkId = this.vocab.get("<unk>");
    this.added = new AddedTokens((json.added_tokens ?? []) as AddedToken[], unicode);
    this.pattern = gpt2Pattern(unicode);
  }

  ids(text: string): number[] {
    const ids: number[] = [];
    for (const [piece, isAdded] of this.added.split(text)) {
      if (isAdded) {
        ids.push((this.added.byContent.get(piece) as AddedToken).id);
        continue;
      }
      for (const [word] of piece.matchAll(this.pattern)) {
        let symbols = "";
        for (const byte of this.encoder.encode(word)) symbols += this.symbols[byte];
        for (const token of this.bpe(symbols)) {
          const id = this.vocab.get(token) ?? this.unkId;
          if (id === undefined) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary and there is no <unk>`);
          ids.push(id);
        }
      }
    }
    return ids;
  }

  private bpe(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let parts = Array.from(word);
    while (parts.length > 1) {
      let best: string | undefined;
      let bestRank = Infinity;
      for (let i = 0; i < parts.length - 1; i++) {
        const rank = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = `${parts[i]} ${parts[i + 1]}`;
        }
      }
      if (best === undefined) break;
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i < parts.length - 1 && `${parts[i]} ${parts[i + 1]}` === best) {
          merged.push((parts[i] as string) + (parts[i + 1] as string));
          i++;
        } else {
          merged.push(parts[i] as string);
        }
      }
      parts = merged;
    }
    if (this.cache.size < 100_000) this.cache.set(word, parts);
    return parts;
  }
}

/** bert_score's sent_encode with the slow tokenizer of `type`: strip, specials, truncation to `maxLength`. */
export function createSlowTokenizer(
  tokenizerJson: TokenizerJson,
  options: { type: TokenizerType; maxLength: number },
  unicode: UnicodeTables,
): TextTokenizer {
  const { type, maxLength } = options;
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`max_length must be an integer >= 2, got ${maxLength}`);
  const vocab = new Map(Object.entries((tokenizerJson.model as ModelJson).vocab));
  for (const token of (tokenizerJson.added_tokens ?? []) as AddedToken[]) vocab.set(token.content, token.id);
  const [cls, sep, pad] = SPECIALS[type];
  const clsId = vocab.get(cls);
  const sepId = vocab.get(sep);
  if (clsId === undefined || sepId === undefined) throw new Error(`tokenizer has no ${cls} / ${sep} tokens`);
  const model: SlowModel = type === "bert" ? new SlowBert(tokenizerJson, unicode) : new SlowRoberta(tokenizerJson, unicode);
  const maxContent = maxLength - 2;
  return {
    type,
    maxLength,
    clsId,
    sepId,
    padId: vocab.get(pad) ?? 0,
    encode(text: string): number[] {
      const stripped = unicode.strip(text);
      if (stripped === "") return [clsId, sepId];
      // bert_score's add_prefix_space: the stripped text never starts with a space of its own
      const ids = model.ids(type === "roberta" ? ` ${stripped}` : stripped);
      return [clsId, ...(ids.length > maxContent ? ids.slice(0, maxContent) : ids), sepId];
    },
  };
}
